"""Company accounts (Unternehmenskonto): organisations registered with founding documents,
reviewed by the Registrierungsstelle of the responsible administration, activated, and the
members who act for them (issue 12; DESIGN §5 "Company registration").

Layer 4 (DESIGN §6): it uses staff, letters, blobs, mail and audit below it; no web framework.

* `service` — the applicant: draft, documents, submit, answer a request, activate; block;
* `review` — the Registrierungsstelle: queue, case, notes, decisions, four-eyes, suspension;
* `members` — invitations, roles, client permissions, leaving; `memberships_for` and
  `may_act_for` for the login; the organisation's page (`organisation_for_member`,
  `organisation_clients`, `people`);
* `staffing` — the operator's staff management; `administration_staff` — the same, scoped to
  the administrations an `administration_admin` administers (page and JSON API);
* `states` — the life cycle; `lifecycle` — the one conditional UPDATE that moves it;
* `retention` — deletes the files of decided applications after the appeal period;
* `validation`, `legal_forms` — register data per legal form; `responsibility` — postal code to
  administration; `errors`, `messages` — stable codes and their German texts.
"""
