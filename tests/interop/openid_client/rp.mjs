// A relying party built on panva's openid-client (v6), run against a real ServiceKonto process by
// tests/interop/test_openid_client.py. It plays both parts a real deployment has: the RP (every
// protocol step goes through openid-client's own API, so its checks judge our responses) and the
// user agent (fetch with a small cookie jar, filling our login and consent forms like a browser).
//
// Input: one JSON argument {issuer, client_id, client_secret, redirect_uri,
// post_logout_redirect_uri, username, password}. Output: one JSON object on stdout with what
// happened; the pytest test asserts on it. An unexpected failure exits non-zero with the error
// on stderr.

import * as client from 'openid-client'

const input = JSON.parse(process.argv[2])
const SCOPE = 'openid profile email offline_access'

// -- the user agent ------------------------------------------------------------------------------

// Every page and redirect the user agent visits is on the issuer's single origin, so a jar keyed
// by cookie name alone is enough (no domain or path matching needed).
const jar = new Map()

function storeCookies(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';')
    const at = pair.indexOf('=')
    const name = pair.slice(0, at).trim()
    const value = pair.slice(at + 1).trim()
    const expired = attributes.some((a) => {
      const [key, val = ''] = a.trim().split('=')
      if (key.toLowerCase() === 'max-age') return Number(val) <= 0
      if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now()
      return false
    })
    if (expired || value === '' || value === '""') jar.delete(name)
    else jar.set(name, value)
  }
}

function cookieHeader() {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

// Follow redirects while they stay on the issuer; stop at the first one that leaves it (the RP's
// redirect or post-logout URI, where nothing listens) and report where it pointed.
async function browse(url, init = {}) {
  let target = new URL(url, input.issuer)
  let options = init
  const visited = []
  for (let hop = 0; hop < 15; hop++) {
    visited.push(target.pathname)
    const response = await fetch(target, {
      ...options,
      redirect: 'manual',
      headers: jar.size ? { ...options.headers, cookie: cookieHeader() } : options.headers,
    })
    storeCookies(response)
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, target)
      if (next.origin !== new URL(input.issuer).origin) {
        return { left: next, visited }
      }
      target = next
      options = {}
      continue
    }
    return { page: await response.text(), status: response.status, url: target, visited }
  }
  throw new Error(`redirect loop: ${visited.join(' -> ')}`)
}

function unescapeHtml(text) {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#34;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\s${name}="([^"]*)"`))
  return match ? unescapeHtml(match[1]) : undefined
}

// Submit the first form of `page` whose fields include `marker`, as a browser would: hidden and
// text inputs, checked checkboxes (disabled ones are not sent), our `values` on top, and the
// clicked submit button's name/value.
async function submitForm(result, marker, values, button) {
  const forms = [...result.page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0])
  const form = forms.find((f) => f.includes(`name="${marker}"`))
  if (!form) throw new Error(`no form with field ${marker} on ${result.url.pathname}`)
  const body = new URLSearchParams()
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attribute(tag, 'name')
    const type = attribute(tag, 'type') ?? 'text'
    if (!name || /\sdisabled[\s>=]/.test(tag)) continue
    if (type === 'checkbox' && !/\schecked[\s>=]/.test(tag)) continue
    if (name in values) continue
    body.append(name, attribute(tag, 'value') ?? '')
  }
  for (const [name, value] of Object.entries(values)) body.append(name, value)
  if (button) body.append(button.name, button.value)
  const action = new URL(attribute(form.match(/<form\b[^>]*>/)[0], 'action'), result.url)
  return browse(action, {
    method: 'POST',
    body,
    // Our pages check Origin on every POST (CSRF defence in depth); a browser sends it.
    headers: { origin: new URL(input.issuer).origin },
  })
}

// Drive one authorization request through our pages up to the redirect back to the RP: log in
// if the login form shows, consent if the consent form shows. Returns the callback URL and which
// forms were seen.
async function userAgentAuthorizes(authorizationUrl) {
  const seen = []
  let result = await browse(authorizationUrl)
  for (let step = 0; step < 5 && !result.left; step++) {
    if (result.page.includes('name="password"')) {
      seen.push('login')
      result = await submitForm(result, 'password', {
        username: input.username,
        password: input.password,
      })
    } else if (result.page.includes('name="decision"')) {
      seen.push('consent')
      result = await submitForm(result, 'decision', {}, { name: 'decision', value: 'allow' })
    } else {
      throw new Error(`unexpected page ${result.url.pathname} (${result.status})`)
    }
  }
  if (!result.left) throw new Error('the authorization never returned to the RP')
  return { callback: result.left, seen }
}

// -- helpers for the RP side ---------------------------------------------------------------------

function describeError(err) {
  const challenge = Array.isArray(err.cause) ? err.cause[0] : undefined
  return {
    name: err.name,
    class_is_client_error: err instanceof client.ClientError,
    code: err.code,
    message: err.message,
    cause: err.cause instanceof Error ? err.cause.message : undefined,
    error: err.error ?? challenge?.parameters?.error,
    status: err.status,
  }
}

async function outcome(promise) {
  try {
    return { ok: true, value: await promise }
  } catch (err) {
    return { ok: false, error: describeError(err) }
  }
}

function jwtHeader(token) {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())
}

function withParam(url, name, value) {
  const copy = new URL(url)
  if (value === undefined) copy.searchParams.delete(name)
  else copy.searchParams.set(name, value)
  return copy
}

// A fresh authorization request: PKCE S256, state and nonce, all from openid-client.
async function newRequest(config) {
  const verifier = client.randomPKCECodeVerifier()
  const request = {
    verifier,
    state: client.randomState(),
    nonce: client.randomNonce(),
  }
  request.url = client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirect_uri,
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: request.state,
    nonce: request.nonce,
  })
  return request
}

function redeem(config, request, callback) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  })
}

async function introspect(config, token) {
  const body = await client.tokenIntrospection(config, token)
  const { active, client_id, scope, token_type, sub, iss, exp } = body
  return { active, client_id, scope, token_type, sub, iss, exp }
}

// Replaces the ID token's signature in token endpoint responses while `tamper.on` is set, to
// show that openid-client really verifies it against our JWKS.
const tamper = { on: false }
async function tamperingFetch(url, options) {
  const response = await fetch(url, options)
  if (!tamper.on || !url.toString().endsWith('/token') || response.status !== 200) return response
  const body = await response.json()
  const [head, payload, signature] = body.id_token.split('.')
  const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
  body.id_token = [head, payload, flipped].join('.')
  return new Response(JSON.stringify(body), { status: 200, headers: response.headers })
}

// -- the run -------------------------------------------------------------------------------------

const out = {}

const config = await client.discovery(
  new URL(input.issuer),
  input.client_id,
  { client_secret: input.client_secret, id_token_signed_response_alg: 'ES256' },
  client.ClientSecretBasic(input.client_secret),
  // The issuer is http on loopback; without enableNonRepudiationChecks openid-client trusts
  // the TLS channel instead of the ID token's signature, and we want the signature checked.
  { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
)
config[client.customFetch] = tamperingFetch
const metadata = config.serverMetadata()
out.discovery = {
  issuer: metadata.issuer,
  authorization_response_iss_parameter_supported:
    metadata.authorization_response_iss_parameter_supported,
  end_session_endpoint: metadata.end_session_endpoint,
}

// 1. Code flow through the login and consent forms.
const first = await newRequest(config)
out.authorization_request = Object.fromEntries(first.url.searchParams)
const login = await userAgentAuthorizes(first.url)
out.first_login = {
  forms_seen: login.seen,
  callback_params: Object.fromEntries(login.callback.searchParams),
}

// 2. openid-client must reject a tampered authorization response before it spends the code.
out.rejected = {
  tampered_state: await outcome(
    redeem(config, first, withParam(login.callback, 'state', client.randomState())),
  ),
  wrong_iss: await outcome(
    redeem(config, first, withParam(login.callback, 'iss', 'http://127.0.0.1:1/evil')),
  ),
  missing_iss: await outcome(redeem(config, first, withParam(login.callback, 'iss', undefined))),
}

// 3. The real exchange; the ID token is validated by openid-client (ES256 signature via JWKS,
// iss, aud, nonce, exp/iat).
const tokens = await redeem(config, first, login.callback)
const claims = tokens.claims()
out.token_response = {
  token_type: tokens.token_type,
  expires_in: tokens.expires_in,
  scope: tokens.scope,
  has_refresh_token: typeof tokens.refresh_token === 'string',
  id_token_header: jwtHeader(tokens.id_token),
  access_token_header: jwtHeader(tokens.access_token),
}
out.id_token_claims = claims
out.userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
out.introspection_access = await introspect(config, tokens.access_token)

// 4. Refresh: the new access token works; then revoke the first access token.
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
out.refresh = {
  new_access_token_differs: refreshed.access_token !== tokens.access_token,
  new_refresh_token_differs: refreshed.refresh_token !== tokens.refresh_token,
  userinfo: await client.fetchUserInfo(config, refreshed.access_token, claims.sub),
  introspection_refresh: await introspect(config, refreshed.refresh_token),
}
await client.tokenRevocation(config, tokens.access_token)
out.revoked_access_token = {
  introspection: await introspect(config, tokens.access_token),
  userinfo: await outcome(client.fetchUserInfo(config, tokens.access_token, claims.sub)),
  refreshed_access_token_still_active: (await introspect(config, refreshed.access_token)).active,
}

// 5. Reuse of the rotated-out refresh token: refused, and (DESIGN §8) the whole grant is revoked,
// so the new refresh and access tokens die with it.
out.refresh_reuse = {
  old_refresh_token: await outcome(client.refreshTokenGrant(config, tokens.refresh_token)),
  new_refresh_token_after: await outcome(client.refreshTokenGrant(config, refreshed.refresh_token)),
  new_access_token_after: await introspect(config, refreshed.access_token),
}

// 6. Single sign-on: the same cookies, a new request, no form shown. This code is redeemed with
// a forged ID token signature, which openid-client must refuse.
const second = await newRequest(config)
const sso = await userAgentAuthorizes(second.url)
out.sso = { forms_seen: sso.seen }
tamper.on = true
out.rejected.forged_id_token_signature = await outcome(redeem(config, second, sso.callback))
tamper.on = false

// 7. A third grant to revoke through its refresh token: the grant and its access token end.
const third = await newRequest(config)
const thirdLogin = await userAgentAuthorizes(third.url)
const thirdTokens = await redeem(config, third, thirdLogin.callback)
const activeBefore = (await introspect(config, thirdTokens.refresh_token)).active
await client.tokenRevocation(config, thirdTokens.refresh_token)
out.revoked_refresh_token = {
  forms_seen: thirdLogin.seen,
  refresh_token_active_before: activeBefore,
  introspection_refresh: await introspect(config, thirdTokens.refresh_token),
  introspection_access: await introspect(config, thirdTokens.access_token),
  refresh: await outcome(client.refreshTokenGrant(config, thirdTokens.refresh_token)),
}

// 8. RP-initiated logout with id_token_hint, followed with the same cookie jar.
const logoutState = client.randomState()
const endSessionUrl = client.buildEndSessionUrl(config, {
  id_token_hint: thirdTokens.id_token,
  post_logout_redirect_uri: input.post_logout_redirect_uri,
  state: logoutState,
})
const loggedOut = await browse(endSessionUrl)
out.logout = {
  sent_state: logoutState,
  ended_at: loggedOut.left ? loggedOut.left.href : null,
  page_status: loggedOut.status ?? null,
}

// 9. The browser session is gone: a new authorization request lands on the login form.
const after = await newRequest(config)
const afterLogout = await browse(after.url)
out.after_logout = {
  left_to_rp: afterLogout.left ? afterLogout.left.href : null,
  login_form_shown: Boolean(afterLogout.page?.includes('name="password"')),
}

process.stdout.write(JSON.stringify(out))
