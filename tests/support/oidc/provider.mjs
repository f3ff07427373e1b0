// The OpenID providers Gatehouse's federation tests log in with, in one Node.js process:
//
// - "a" and "b": two independent oidc-provider instances (authorization code + PKCE S256,
//   client_secret_basic, dev login and consent forms, RFC 9068 JWT access tokens whose `aud` is
//   the client id); "a" signs with RS256, "b" with ES256.
// - "cognito": a Cognito-shaped issuer (discovery + JWKS) whose tokens the tests mint themselves
//   with POST /mint, including every malformed or forged variant, and whose key POST /rotate
//   replaces.
//
// Usage: node provider.mjs [--port-a N] [--port-b N] [--port-cognito N]
//                          [--client-a ID:SECRET] [--client-b ID:SECRET]
//                          [--cognito-client ID] [--redirect-uri URI]...
// Ports default to 0 (any free port). When every server listens, one JSON line goes to stdout:
//   {"ready":true,"a":{"issuer","port","client_id","client_secret"},"b":{…},"cognito":{…}}
// The process ends on SIGTERM or SIGINT, or when the process that started it dies.
//
// Accounts: any login name is an account: sub = the login, email = `<login>@example.test` (the
// login itself when it contains "@"), email_verified = true unless the login contains
// "unverified", name = the login's local part. Any password is accepted.
//
// Every server also answers GET /peer/stats with how often each path was requested (so tests can
// count JWKS fetches).

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    'port-a': { type: 'string', default: '0' },
    'port-b': { type: 'string', default: '0' },
    'port-cognito': { type: 'string', default: '0' },
    'client-a': { type: 'string', default: 'gatehouse-a:secret-a' },
    'client-b': { type: 'string', default: 'gatehouse-b:secret-b' },
    'cognito-client': { type: 'string', default: 'gatehouse-cognito' },
    'redirect-uri': { type: 'string', multiple: true },
  },
});

const redirectUris = args['redirect-uri']
  ?? (process.env.OIDC_PEER_REDIRECT_URIS ?? 'http://127.0.0.1/callback').split(',');

/// The resource indicator every access token is issued for (RFC 8707), so that access tokens are
/// RFC 9068 JWTs whose audience is the client id.
const API_RESOURCE = 'urn:gatehouse:api';

function splitClient(text) {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new Error(`client must be ID:SECRET, got ${text}`);
  return { id: text.slice(0, colon), secret: text.slice(colon + 1) };
}

function accountClaims(login) {
  const email = login.includes('@') ? login : `${login}@example.test`;
  return {
    sub: login,
    email,
    email_verified: !login.includes('unverified'),
    name: email.slice(0, email.indexOf('@')),
  };
}

/// Counts requests per path and answers GET /peer/stats; everything else goes to `next`.
function withStats(next) {
  const counts = {};
  return (req, res) => {
    const path = new URL(req.url, 'http://peer').pathname;
    if (req.method === 'GET' && path === '/peer/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ requests: counts }));
      return;
    }
    counts[path] = (counts[path] ?? 0) + 1;
    next(req, res);
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

function signingJwk(alg) {
  const { privateKey } = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg, use: 'sig',
  };
}

/// One oidc-provider instance on `port` whose client is `client` and which signs with `alg`.
async function startProvider(port, client, alg) {
  const server = http.createServer();
  const actual = await listen(server, port);
  const issuer = `http://127.0.0.1:${actual}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: client.id,
      client_secret: client.secret,
      // Native: a loopback redirect URI matches on any port (RFC 8252 section 7.3), so the
      // registered URIs fit a Gatehouse started after the peer on a port of its own.
      application_type: 'native',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys: [signingJwk(alg)] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    async findAccount(ctx, sub) {
      return { accountId: sub, async claims() { return accountClaims(sub); } };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The ID token carries the scopes' claims, as Cognito's, Keycloak's and Google's do.
    conformIdTokenClaims: false,
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, c, oneOf) => (oneOf ? oneOf[0] : API_RESOURCE),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (ctx, indicator, c) => {
          if (indicator !== API_RESOURCE) throw new Provider.errors.InvalidTarget();
          return {
            scope: 'api',
            audience: c.clientId,
            accessTokenTTL: 3600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
    },
  });
  // The URLs oidc-provider answers with follow the request's Host; a real provider's follow its
  // issuer whatever Host a client sends, and so do these.
  const callback = provider.callback();
  server.on('request', withStats((req, res) => {
    req.headers.host = `127.0.0.1:${actual}`;
    callback(req, res);
  }));
  return {
    server, issuer, port: actual, client_id: client.id, client_secret: client.secret,
  };
}

// ---- the Cognito-shaped issuer --------------------------------------------------------------

function b64url(data) {
  return Buffer.from(data).toString('base64url');
}

function rsaKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = crypto.randomUUID();
  const jwk = {
    ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig',
  };
  return {
    kid, privateKey, jwk, pem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

/// Signs `header`.`claims` as `sign` asks; see POST /mint below.
function mintToken(state, issuer, body) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, iat: now, exp: now + 3600, ...(body.claims ?? {}) };
  const sign = body.sign ?? 'rs256';
  const alg = { none: 'none', 'hs256-with-public-key': 'HS256', 'hs256-with-public-jwk': 'HS256' }[sign]
    ?? 'RS256';
  const header = { kid: state.current.kid, alg, ...(body.header ?? {}) };
  // A null member removes that member (e.g. {"claims": {"exp": null}}).
  for (const o of [claims, header]) {
    for (const [k, v] of Object.entries(o)) if (v === null) delete o[k];
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature;
  switch (sign) {
    case 'rs256': signature = crypto.sign('sha256', Buffer.from(input), state.current.privateKey); break;
    case 'other-key': signature = crypto.sign('sha256', Buffer.from(input), state.stranger.privateKey); break;
    case 'none': signature = Buffer.alloc(0); break;
    case 'hs256-with-public-key':
      signature = crypto.createHmac('sha256', state.current.pem).update(input).digest();
      break;
    case 'hs256-with-public-jwk':
      signature = crypto.createHmac('sha256', JSON.stringify(state.current.jwk)).update(input).digest();
      break;
    default: throw new Error(`unknown sign mode ${sign}`);
  }
  return `${input}.${b64url(signature)}`;
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try { resolve(text ? JSON.parse(text) : {}); } catch (e) { reject(e); }
    });
    req.on('error', reject);
  });
}

/// The Cognito-shaped issuer: `http://127.0.0.1:<port>/<pool id>` like Cognito's
/// `https://cognito-idp.<region>.amazonaws.com/<pool id>`, with discovery and JWKS under it, and
/// the test-only POST /mint and POST /rotate at the root.
async function startCognito(port, clientId) {
  const poolPath = '/local_gatehouse';
  const server = http.createServer();
  const actual = await listen(server, port);
  const issuer = `http://127.0.0.1:${actual}${poolPath}`;
  const state = { current: rsaKey(), previous: undefined, stranger: rsaKey() };
  const json = (res, status, value) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  const discovery = {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    userinfo_endpoint: `${issuer}/oauth2/userInfo`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'email', 'phone', 'profile'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  };
  server.on('request', withStats(async (req, res) => {
    const path = new URL(req.url, 'http://peer').pathname;
    try {
      if (req.method === 'GET' && path === `${poolPath}/.well-known/openid-configuration`) {
        json(res, 200, discovery);
      } else if (req.method === 'GET'
                 && (path === `${poolPath}/.well-known/jwks.json` || path === '/jwks.json')) {
        const keys = [state.current.jwk];
        if (state.previous) keys.push(state.previous.jwk);
        json(res, 200, { keys });
      } else if (req.method === 'POST' && path === '/mint') {
        // {header?, claims, sign?: "rs256" | "other-key" | "none" | "hs256-with-public-key"
        //  | "hs256-with-public-jwk"}: the compact token, text/plain.
        const token = mintToken(state, issuer, await readJson(req));
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(token);
      } else if (req.method === 'POST' && path === '/rotate') {
        // {keep_previous?: true}: a fresh key (new kid) signs from now on; the JWKS keeps the
        // previous key beside it unless keep_previous is false.
        const body = await readJson(req);
        const previous = state.current;
        state.current = rsaKey();
        state.previous = body.keep_previous === false ? undefined : previous;
        json(res, 200, { kid: state.current.kid, previous_kid: previous.kid });
      } else if (req.method === 'GET' && path === '/peer/key') {
        // The current public key, for tests that forge with it.
        json(res, 200, { kid: state.current.kid, jwk: state.current.jwk, pem: state.current.pem });
      } else {
        json(res, 404, { error: 'not_found' });
      }
    } catch (e) {
      json(res, 400, { error: 'invalid_request', error_description: String(e.message ?? e) });
    }
  }));
  return {
    server, issuer, port: actual, client_id: clientId,
  };
}

const a = await startProvider(Number(args['port-a']), splitClient(args['client-a']), 'RS256');
const b = await startProvider(Number(args['port-b']), splitClient(args['client-b']), 'ES256');
const cognito = await startCognito(Number(args['port-cognito']), args['cognito-client']);

const describe = ({ server, ...rest }) => rest;
process.stdout.write(`${JSON.stringify({
  ready: true, a: describe(a), b: describe(b), cognito: describe(cognito),
})}\n`);

const stop = () => {
  for (const s of [a, b, cognito]) s.server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A test binary that crashed cannot stop us: leave with it. (process.ppid is read once at start;
// signal 0 asks whether the parent still exists.)
const parent = process.ppid;
setInterval(() => {
  try { process.kill(parent, 0); } catch { stop(); }
}, 500);
