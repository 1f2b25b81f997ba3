"""Who may read what: the Polar policy and the one authorizer around it."""
