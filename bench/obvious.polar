# The privacy rules of policies/suplinks.polar (closed persona, profile fields),
# written the obvious way: over the viewer and the profile objects themselves,
# asked afresh for every field of every row. Used only by the benchmark, whose
# smoke test checks that it answers exactly like the product's policy path.

# The owner sees their own profile; any other member sees it unless blocked.
allow(viewer: Viewer, "see", profile: ProfileRecord) if
    viewer.member_id = profile.member_id;
allow(viewer: Viewer, "see", profile: ProfileRecord) if
    viewer.is_member and not profile.blocked;

# The owner reads every field of their own profile.
allow_field(viewer: Viewer, "read", profile: ProfileRecord, _field: String) if
    viewer.member_id = profile.member_id;

# A field is read by its audience (identity fields are handled below).
allow_field(viewer: Viewer, "read", profile: ProfileRecord, field: String) if
    not profile.blocked and
    not field in IDENTITY_FIELDS and
    audience = profile.audience_of(field) and
    admits(viewer, profile, audience) and
    not confidential_employer(profile, field);

# Identity fields reach contacts only, within the audience their owner chose.
allow_field(viewer: Viewer, "read", profile: ProfileRecord, field: String) if
    not profile.blocked and
    field in IDENTITY_FIELDS and
    profile.is_contact and
    audience = profile.audience_of(field) and
    admits(viewer, profile, audience);

confidential_employer(profile: ProfileRecord, "currentEmployer") if
    profile.kind = "RECRUITER" and
    profile.confidential_search and
    not profile.is_contact;

admits(viewer: Viewer, profile: ProfileRecord, "MEMBERS") if
    viewer.is_member or profile.is_contact;
admits(viewer: Viewer, profile: ProfileRecord, "RECRUITERS") if
    viewer.is_recruiter or profile.is_contact;
admits(_viewer: Viewer, profile: ProfileRecord, "CONTACTS") if
    profile.is_contact;
