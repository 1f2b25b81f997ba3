# SUPLINKS privacy policy: the one source of truth for who sees whom, and which field.
#
# Oso only ever receives immutable value objects (see policies/facts.py):
#   Relation  how one viewer stands to one member (self, contact, recruiter, blocked...)
#   FieldRef  a field's name, the audience its owner chose, and whether it identifies them
#   EdgeRelation / EdgeField  the same for a contact request (a network edge)
#   ActorFacts  who asks to act (anonymous, candidate, recruiter, partner ATS)
#   EdgeFacts / ContactTarget / Colleague / RootField  what they ask to act on, besides plain
#             values such as "pipeline" (policies/actions.py lists every action)
# Nothing here touches the database, so every answer can be memoized.

# ---------------------------------------------------------------------------
# Seeing a member at all
# ---------------------------------------------------------------------------

# Promise: the owner always sees their own profile.
allow(rel: Relation, "see", _member) if rel.is_self;

# Promise (Hidden members do not exist): a member the viewer may not see does
# not exist for them (see `hidden` below). The closed persona is for
# logged-in members (the open persona is another resource, OpenPersona, below).
allow(rel: Relation, "see", _member) if
    rel.is_member and
    not hidden(rel);

# Promise (Partners see only consented fields): a partner ATS sees the
# candidates who accepted a contact with its company's recruiters and consented
# to share with it.
allow(rel: Relation, "see", _member) if
    rel.is_partner and
    not hidden(rel);

# Promise (Hidden members do not exist): a member block is mutual: the two
# members stop seeing each other, whichever of them named the other.
hidden(rel: Relation) if rel.blocked;

# Promise (Company blocks and hiding are one-way): a company block hides the
# member who set it from every verified member of that company (its
# recruiters, and members who proved a mailbox at its domain), and changes
# nothing in what that member sees: the facts never say the viewer blocked the
# owner's company.
hidden(rel: Relation) if rel.owner_blocks_viewers_company;

# Promise (Company blocks and hiding are one-way): "hide me from my current
# employer" hides the member from the verified members of the company they
# declared, and from nobody else; a declared employer makes nobody a member.
hidden(rel: Relation) if rel.owner_hides_from_viewers_company;

# ---------------------------------------------------------------------------
# Reading one field
# ---------------------------------------------------------------------------

# Promise: the owner always reads every field of their own profile.
allow(rel: Relation, "read", _field: FieldRef) if rel.is_self;

# Promise (Denied fields are null): on the closed persona a field is read by its audience.
allow(rel: Relation, "read", field: FieldRef) if
    not hidden(rel) and
    not field.identity and
    admits(rel, field.audience) and
    not confidential_employer(rel, field) and
    k_anonymous(field) and
    consented(rel, field);

# Promise: candidates stay anonymous until they accept a contact: identity
# fields (name, photo, email, phone) reach contacts only, and only
# within the audience their owner chose.
allow(rel: Relation, "read", field: FieldRef) if
    not hidden(rel) and
    field.identity and
    rel.is_contact and
    admits(rel, field.audience) and
    consented(rel, field);

# Promise: a recruiter on a confidential search hides their exact company
# (candidates see its sector and size band) until a contact is accepted.
confidential_employer(rel: Relation, field: FieldRef) if
    rel.owner_confidential and
    field.name = "currentEmployer" and
    not rel.is_contact;

# Promise (Coarse companions are k-anonymous): a sector, or a sector and size
# band, that fewer than k registered companies share names the employer as
# surely as its name. Such a lone value reaches only a viewer who may read the
# employer itself; everyone else gets the generalised profile (size band
# withheld, then the sector too). Search filters follow the same rule.
k_anonymous(field: FieldRef) if not field.lone;
k_anonymous(field: FieldRef) if field.lone and field.exact_readable;

# Promise (Partners see only consented fields): a partner ATS reads, of what a
# contact may read, only the fields listed on the candidate's consent receipts:
# what a contact could read when they consented. A field the candidate narrows
# later is gone at once (the audience rules above); a field they widen later is
# not shared with the ATS.
consented(rel: Relation, _field: FieldRef) if not rel.is_partner;
consented(rel: Relation, field: FieldRef) if
    rel.is_partner and
    field.name in rel.consented_fields;

# Promise: audiences nest, widest first:
# MEMBERS > RECRUITERS (verified recruiters, plus contacts) > CONTACTS > ONLY_ME.
# ONLY_ME admits nobody but the owner, who is handled above. There is no
# PUBLIC: the closed persona is for logged-in members only.
admits(rel: Relation, "MEMBERS") if rel.is_member or rel.is_contact;
admits(rel: Relation, "RECRUITERS") if rel.is_recruiter or rel.is_contact;
admits(rel: Relation, "CONTACTS") if rel.is_contact;

# ---------------------------------------------------------------------------
# Network edges (contact requests)
# ---------------------------------------------------------------------------

# Promise (Edges are private): an edge is visible to its two endpoints only...
allow(rel: EdgeRelation, "read", _field: EdgeField) if rel.is_endpoint;

# Promise (Partners see only consented fields): ...and to the company side
# once the candidate consented to share it with the company's ATS: that ATS
# and the company's recruiters, whose pipeline it is (the facts say whether the
# viewer is on that side).
allow(rel: EdgeRelation, "read", _field: EdgeField) if rel.is_consented_partner;

# ---------------------------------------------------------------------------
# Doing: may this actor do this action on this resource?
# ---------------------------------------------------------------------------
# Authorizer.authorize asks allow(actor, action, resource). Refused, it answers
# UNAUTHENTICATED to an anonymous actor, NOT_FOUND when the actor may not even
# "see" the resource (it does not exist for them), FORBIDDEN otherwise.
# The actor's class is ActorFacts: Oso reserves the name Actor.

actor ActorFacts {}

allow(actor: ActorFacts, action: String, resource) if has_permission(actor, action, resource);

# Who acts as a member: an account whose owner proved the mailbox (the promise
# "Trust starts with a proven mailbox"). Until then it may log in (to be told
# so), verify, ask for another mail or reset its password: none asks this policy.
member(actor: ActorFacts) if
    actor.kind in ["CANDIDATE", "RECRUITER"] and
    actor.verified;

# Who acts as a verified recruiter: a recruiter who proved a mailbox at a
# company's domain, which gave them a role in that company (same promise).
verified_recruiter(actor: ActorFacts) if
    actor.kind = "RECRUITER" and
    actor.verified and
    actor.company_role in ["ADMIN", "RECRUITER"];

# Who acts as a company admin: a verified recruiter their company made ADMIN
# (its first verified recruiter, or one an admin promoted).
company_admin(actor: ActorFacts) if verified_recruiter(actor) and actor.company_role = "ADMIN";

# Features (search, the pipeline, API clients...) and root fields are no
# secret: refusing one answers FORBIDDEN, never NOT_FOUND.
allow(_actor: ActorFacts, "see", _feature: String);
allow(_actor: ActorFacts, "see", _field: RootField);

# Promise (The member's own data): a member reads, edits and deletes their own account.
allow(actor: ActorFacts, _action: String, "account") if member(actor);

# Promise (Hidden members do not exist): the closed network (profiles by id,
# blocks, edges) is for logged-in members; to anyone else it is empty.
allow(actor: ActorFacts, _action: String, "network") if member(actor);

# Promise (Unlinkable): the open persona is public by its owner's choice: a
# published one is read by anyone, logged in or not, blocked or not, the same;
# unpublished, it does not exist (as an unknown handle: No membership oracle).
allow(_actor: ActorFacts, "read", persona: OpenPersona) if persona.published;

# Promise (Filtering, sorting and counting are reads): searching candidates is
# for verified recruiters (and the SQL reads only what they may read).
allow(actor: ActorFacts, "search", "candidates") if verified_recruiter(actor);

# Promise (Only recruiters start a contact): verified recruiters send requests...
allow(actor: ActorFacts, "send", "contact_requests") if verified_recruiter(actor);

# Promise (Only recruiters start a contact): ...to a candidate who exists for
# them and accepts requests; any other target answers like an unknown id.
allow(actor: ActorFacts, "contact", target: ContactTarget) if
    verified_recruiter(actor) and
    allow(actor, "see", target);

# Promise (No membership oracle): a target one may not contact does not exist
# for the sender, whatever the reason (hidden, a recruiter, not contactable).
allow(_actor: ActorFacts, "see", target: ContactTarget) if
    target.visible and
    target.kind = "CANDIDATE" and
    target.contactable;

resource EdgeFacts {
    roles = ["candidate", "recruiter"];
    permissions = ["see", "respond", "withdraw", "end", "withdraw_consent"];

    # Promise (Edges are private): an edge exists for its two endpoints only.
    "see" if "candidate";
    "see" if "recruiter";

    # Promise (Acceptance reveals): only the candidate accepts or declines.
    "respond" if "candidate";

    # Promise (Partners see only consented fields): only the candidate withdraws their consent.
    "withdraw_consent" if "candidate";

    # Promise (Only recruiters start a contact): only the recruiter takes a request back.
    "withdraw" if "recruiter";

    # Promise (Acceptance reveals): either side ends a contact, which revokes the reveal.
    "end" if "candidate";
    "end" if "recruiter";
}

# Promise (Consent is the candidate's to take back): what a candidate shared
# stays hers to take back, whatever happened since (she hid from her new
# employer, blocked a company, the other end is gone from her sight): she may
# always end her own live contact and withdraw the consent given on it. Only
# a live one: a closed edge whose other end is hidden still answers like an
# unknown id, so this tells her nothing about that other end.
allow(actor: ActorFacts, "end", edge: EdgeFacts) if
    member(actor) and
    edge.side = "candidate" and
    edge.live;
allow(actor: ActorFacts, "withdraw_consent", edge: EdgeFacts) if
    member(actor) and
    edge.side = "candidate" and
    edge.live;

# An endpoint holds their side's role while the other end exists for them
# (Hidden members do not exist: an edge to a hidden member is hidden too).
has_role(actor: ActorFacts, side: String, edge: EdgeFacts) if
    member(actor) and
    edge.side = side and
    edge.counterpart_visible;

# Promise (Partners see only consented fields): a company's consented pipeline
# is read by its verified recruiters...
allow(actor: ActorFacts, "read", "pipeline") if verified_recruiter(actor);

# Promise (Partners see only consented fields): ...and by its ATS, with a token
# scoped for it.
allow(actor: ActorFacts, "read", "pipeline") if
    actor.kind = "PARTNER" and
    "pipeline:read" in actor.scopes;

# Promise (Trust starts with a proven mailbox): only a company's admins manage
# its API clients...
allow(actor: ActorFacts, "manage", "api_clients") if company_admin(actor);

# Promise (Trust starts with a proven mailbox): ...and list its recruiters.
allow(actor: ActorFacts, "list", "company_members") if company_admin(actor);

# Promise (No membership oracle): for role changes and removals, a member who is
# not a recruiter of the actor's company does not exist (as an unknown id).
allow(_actor: ActorFacts, "see", colleague: Colleague) if colleague.same_company;

# Promise (Trust starts with a proven mailbox): a company's admins change its
# recruiters' roles...
allow(actor: ActorFacts, "set_role", colleague: Colleague) if
    company_admin(actor) and
    colleague.same_company and
    keeps_an_admin(colleague);

# Promise (Trust starts with a proven mailbox): ...and remove them from the
# company; a recruiter may leave it on their own.
allow(actor: ActorFacts, "remove", colleague: Colleague) if
    company_admin(actor) and
    colleague.same_company and
    keeps_an_admin(colleague);
allow(actor: ActorFacts, "remove", colleague: Colleague) if
    verified_recruiter(actor) and
    colleague.is_self and
    colleague.same_company and
    keeps_an_admin(colleague);

# Promise (Trust starts with a proven mailbox): a company always keeps one admin:
# its last admin is neither demoted nor removed, and does not leave.
keeps_an_admin(colleague: Colleague) if not colleague.last_admin;
keeps_an_admin(colleague: Colleague) if colleague.new_role = "ADMIN";

# Promise (Partners see only consented fields): a partner token reaches its
# pipeline (and the schema itself) and no other root field...
allow(actor: ActorFacts, "query", field: RootField) if
    actor.kind = "PARTNER" and
    field.name in ["pipeline", "__typename", "__schema", "__type"];

# Promise (Partners see only consented fields): ...a limit of partner tokens
# alone: any other caller may ask any root field, and each resolver decides.
allow(actor: ActorFacts, "query", _field: RootField) if actor.kind != "PARTNER";
