# SUPLINKS privacy policy: the one source of truth for who sees whom, and which field.
#
# Oso only ever receives immutable value objects (see policies/facts.py):
#   Relation  how one viewer stands to one member (self, contact, recruiter, blocked...)
#   FieldRef  a field's name, the audience its owner chose, and whether it identifies them
#   EdgeRelation / EdgeField  the same for a contact request (a network edge)
# Nothing here touches the database, so every answer can be memoized.

# ---------------------------------------------------------------------------
# Seeing a member at all
# ---------------------------------------------------------------------------

# Promise: the owner always sees their own profile.
allow(rel: Relation, "see", _member) if rel.is_self;

# Promise (Hidden members do not exist; Company blocks and hiding are
# one-way): a member the viewer may not see does not exist for them. Blocks
# either way, company blocks and "hide me from my current employer" all arrive
# here as `blocked`. The closed persona is for logged-in members.
allow(rel: Relation, "see", _member) if
    rel.persona = "closed" and
    rel.is_member and
    not rel.blocked;

# Promise (Partners see only consented fields): a partner ATS sees the
# candidates who accepted a contact with its company's recruiters and consented
# to share with it.
allow(rel: Relation, "see", _member) if
    rel.persona = "closed" and
    rel.is_partner and
    not rel.blocked;

# Promise: the open persona is public by its owner's choice; blocks still hold.
allow(rel: Relation, "see", _member) if
    rel.persona = "open" and
    not rel.blocked;

# ---------------------------------------------------------------------------
# Reading one field
# ---------------------------------------------------------------------------

# Promise: the owner always reads every field of their own profile.
allow(rel: Relation, "read", _field: FieldRef) if rel.is_self;

# Promise: the open persona shows PUBLIC fields to anyone, and nothing else.
allow(rel: Relation, "read", field: FieldRef) if
    rel.persona = "open" and
    not rel.blocked and
    field.audience = "PUBLIC";

# Promise (Denied fields are null): on the closed persona a field is read by its audience.
allow(rel: Relation, "read", field: FieldRef) if
    rel.persona = "closed" and
    not rel.blocked and
    not field.identity and
    admits(rel, field.audience) and
    not confidential_employer(rel, field) and
    consented(rel, field);

# Promise: candidates stay anonymous until they accept a contact: identity
# fields (name, photo, email, phone, handle) reach contacts only, and only
# within the audience their owner chose.
allow(rel: Relation, "read", field: FieldRef) if
    rel.persona = "closed" and
    not rel.blocked and
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
# PUBLIC > MEMBERS > RECRUITERS (verified recruiters, plus contacts) > CONTACTS > ONLY_ME.
# ONLY_ME admits nobody but the owner, who is handled above.
admits(_rel: Relation, "PUBLIC");
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
