"""Request dependencies shared by the surfaces (DESIGN §6 layer 3b, below `oidc`/`api`, above the
domains): the app's collaborators, the database session, the clock's now, the browser session,
a posted form with its CSRF check, the pending authorization request, staff with a role.

Handlers name what they need as `Annotated` parameters (`db: DbSession`, `form: PostedForm`,
`session: SignedInSession`) instead of looking it up on `request.app.state`; only this package
reads what the composition root (`app.py`) put there.
"""
