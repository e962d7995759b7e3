// The Befugnis through panva's openid-client (v6), run by tests/interop/test_openid_client_befugnis.py
// against a real ServiceKonto process (issue 12 item 6).
//
// Input: one JSON argument {mode, issuer, client_id, client_secret, redirect_uri, scope,
// username, password, acting_as, refresh_token}.
//   mode "login":   the code flow through our pages (login, the Befugnis form with `acting_as`
//                   when it shows, consent), the code redeemed by openid-client (ID token
//                   validated), userinfo fetched by openid-client. Prints forms seen, ID token
//                   claims, userinfo and the refresh token.
//   mode "refresh": a refresh token grant by openid-client; prints its outcome.
// An unexpected failure exits non-zero with the error on stderr.

import * as client from 'openid-client'

const input = JSON.parse(process.argv[2])

const jar = new Map()

function storeCookies(response) {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const at = pair.indexOf('=')
    const value = pair.slice(at + 1).trim()
    if (value === '' || value === '""') jar.delete(pair.slice(0, at).trim())
    else jar.set(pair.slice(0, at).trim(), value)
  }
}

async function browse(url, init = {}) {
  let target = new URL(url, input.issuer)
  let options = init
  for (let hop = 0; hop < 15; hop++) {
    const cookie = [...jar].map(([n, v]) => `${n}=${v}`).join('; ')
    const response = await fetch(target, {
      ...options,
      redirect: 'manual',
      headers: jar.size ? { ...options.headers, cookie } : options.headers,
    })
    storeCookies(response)
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, target)
      if (next.origin !== new URL(input.issuer).origin) return { left: next }
      target = next
      options = {}
      continue
    }
    return { page: await response.text(), status: response.status, url: target }
  }
  throw new Error('redirect loop')
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\s${name}="([^"]*)"`))
  return match ? match[1].replaceAll('&#34;', '"').replaceAll('&amp;', '&') : undefined
}

// The first form with a `marker` field, as a browser submits it: hidden and text inputs,
// checked checkboxes, `values` on top (a radio group named in `values` sends only that value).
async function submitForm(result, marker, values, button) {
  const forms = [...result.page.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0])
  const form = forms.find((f) => f.includes(`name="${marker}"`))
  if (!form) throw new Error(`no form with field ${marker} on ${result.url.pathname}`)
  const body = new URLSearchParams()
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attribute(tag, 'name')
    const type = attribute(tag, 'type') ?? 'text'
    if (!name || name in values || /\sdisabled[\s>=]/.test(tag)) continue
    if ((type === 'checkbox' || type === 'radio') && !/\schecked[\s>=]/.test(tag)) continue
    body.append(name, attribute(tag, 'value') ?? '')
  }
  for (const [name, value] of Object.entries(values)) body.append(name, value)
  if (button) body.append(button.name, button.value)
  const action = new URL(attribute(form.match(/<form\b[^>]*>/)[0], 'action'), result.url)
  return browse(action, {
    method: 'POST',
    body,
    headers: { origin: new URL(input.issuer).origin },
  })
}

async function userAgentAuthorizes(authorizationUrl) {
  const seen = []
  const offered = []
  let result = await browse(authorizationUrl)
  for (let step = 0; step < 6 && !result.left; step++) {
    if (result.page.includes('name="password"')) {
      seen.push('login')
      result = await submitForm(result, 'password', {
        username: input.username,
        password: input.password,
      })
    } else if (result.page.includes('name="acting_as"')) {
      seen.push('acting_as')
      for (const [, value] of result.page.matchAll(/name="acting_as" value="([^"]+)"/g)) {
        offered.push(value)
      }
      result = await submitForm(result, 'acting_as', { acting_as: input.acting_as })
    } else if (result.page.includes('name="decision"')) {
      seen.push('consent')
      result = await submitForm(result, 'decision', {}, { name: 'decision', value: 'allow' })
    } else {
      throw new Error(`unexpected page ${result.url.pathname} (${result.status})`)
    }
  }
  if (!result.left) throw new Error('the authorization never returned to the RP')
  return { callback: result.left, seen, offered }
}

const config = await client.discovery(
  new URL(input.issuer),
  input.client_id,
  { client_secret: input.client_secret, id_token_signed_response_alg: 'ES256' },
  client.ClientSecretBasic(input.client_secret),
  { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] },
)

const out = {}
if (input.mode === 'refresh') {
  try {
    await client.refreshTokenGrant(config, input.refresh_token)
    out.refresh = { ok: true }
  } catch (err) {
    out.refresh = { ok: false, error: err.error, name: err.name, status: err.status }
  }
} else {
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: input.redirect_uri,
    scope: input.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  })
  const login = await userAgentAuthorizes(url)
  const tokens = await client.authorizationCodeGrant(config, login.callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  })
  const claims = tokens.claims()
  out.forms_seen = login.seen
  out.acting_as_offered = login.offered
  out.id_token_claims = claims
  out.userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  out.refresh_token = tokens.refresh_token ?? null
}
process.stdout.write(JSON.stringify(out))
