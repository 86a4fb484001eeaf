// Loopback OpenID Connect providers for the federated sign-in tests.
//
// Started as `node provider.mjs` (tests/support/oidc.sh installs it and prints the paths) with
// stdin piped. It runs five oidc-provider instances, one per profile, each on its own ephemeral
// port on 127.0.0.1 with its own freshly generated RSA signing key, prints ONE line of JSON on
// stdout describing them (issuer, discovery URL, client ids and secrets), and then keeps
// serving until stdin reaches EOF or it gets SIGTERM/SIGINT. Everything else goes to stderr.
//
// Common to every profile:
// - confidential clients (client_secret_basic or client_secret_post), authorization code flow,
//   PKCE (S256) required, scopes `openid email profile`, RFC 9207 `iss` in the authorization
//   response, claims in the ID token itself;
// - any redirect_uri on http://127.0.0.1:<port> or http://localhost:<port> is accepted;
// - sign-in: GET <mount>/interaction/<uid> shows a tiny form (input#login, button#submit), its
//   POST signs in as the typed login. With `login_hint` in the authorization request the page is
//   skipped and the hint is the login. The login `deny` ends the flow with access_denied.
//   Consent is granted automatically.
// - claims: sub = login, email = login if it has an `@` else <login>@example.test,
//   email_verified = true, name = login.
//
// Profile quirks:
// - google, facebook: plain RS256, issuer without trailing slash.
// - microsoft: Azure AD multi-tenant look-alike. Issuer http://127.0.0.1:P/<tenant>/v2.0;
//   /common/v2.0 and /organizations/v2.0 discovery documents carry the issuer template
//   http://127.0.0.1:P/{tenantid}/v2.0. ID tokens carry tid, oid (GUID derived from the login),
//   preferred_username = email and a sub derived from the login. A login starting with
//   `foreign` gets the foreign tenant's tid (while iss stays the tenant's).
// - dacc: issuer with trailing slash; client tobira-dacc gets HS256 ID tokens (client secret),
//   tobira-dacc-rs RS256; discovery omits code_challenge_methods_supported; the JWKS has no kid.
// - adfs: issuer http://127.0.0.1:P/adfs; ID tokens also carry upn = email.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { promisify } from 'node:util';

// oidc-provider prints notices with console.info; stdout is reserved for the one JSON line.
console.log = console.error;
console.info = console.error;

const HOST = '127.0.0.1';
const MS_TENANT = '5b0c7a3e-0d1f-4c2a-9e6b-2f8d4a1c3e70';
const MS_FOREIGN_TENANT = 'c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f';

const SECRETS = {
  google: 'secret-google-0123456789abcdef0123456789abcdef',
  microsoft: 'secret-microsoft-0123456789abcdef0123456789abcdef',
  facebook: 'secret-facebook-0123456789abcdef0123456789abcdef',
  dacc: 'secret-dacc-hs256-0123456789abcdef0123456789abcdef',
  daccRs: 'secret-dacc-rs256-0123456789abcdef0123456789abcdef',
  adfs: 'secret-adfs-0123456789abcdef0123456789abcdef',
};

const sha256 = (value) => crypto.createHash('sha256').update(value).digest();

function emailOf(login) {
  return login.includes('@') ? login : `${login}@example.test`;
}

function baseClaims(login) {
  return {
    email: emailOf(login),
    email_verified: true,
    name: login,
  };
}

function guidFrom(value) {
  const hex = sha256(value).toString('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}

// The profiles, in the order of the JSON line. `issuer` builds the issuer identifier from the
// origin (http://127.0.0.1:<port>), `describe` the profile's entry in the JSON line. Optional:
// `subject` (login -> sub, default the login itself), `scopeClaims` (claims per scope on top of
// the standard ones), `idTokenAlgs`, and the quirk flags.
const PROFILES = [
  {
    name: 'google',
    issuer: (origin) => origin,
    clients: [{ client_id: 'tobira-google', client_secret: SECRETS.google }],
    claims: baseClaims,
    describe: (origin, issuer) => ({
      issuer,
      discovery: `${issuer}/.well-known/openid-configuration`,
      client_id: 'tobira-google',
      client_secret: SECRETS.google,
    }),
  },
  {
    name: 'microsoft',
    issuer: (origin) => `${origin}/${MS_TENANT}/v2.0`,
    clients: [{ client_id: 'tobira-microsoft', client_secret: SECRETS.microsoft }],
    scopeClaims: { openid: ['sub', 'tid', 'oid'], profile: ['name', 'preferred_username'] },
    // Azure AD's sub is an opaque pairwise value, not the sign-in name.
    subject: (login) => sha256(`sub:${login}`).toString('base64url'),
    claims: (login) => {
      const email = emailOf(login);
      return {
        ...baseClaims(login),
        tid: login.startsWith('foreign') ? MS_FOREIGN_TENANT : MS_TENANT,
        oid: guidFrom(`oid:${login}`),
        preferred_username: email,
      };
    },
    // Tenant-independent discovery documents, as Azure AD serves them for multi-tenant apps.
    templateDiscovery: ['/common/v2.0', '/organizations/v2.0'],
    describe: (origin) => ({
      issuer_template: `${origin}/{tenantid}/v2.0`,
      tenant: MS_TENANT,
      foreign_tenant: MS_FOREIGN_TENANT,
      discovery: `${origin}/common/v2.0/.well-known/openid-configuration`,
      client_id: 'tobira-microsoft',
      client_secret: SECRETS.microsoft,
    }),
  },
  {
    name: 'facebook',
    issuer: (origin) => origin,
    clients: [{ client_id: 'tobira-facebook', client_secret: SECRETS.facebook }],
    claims: baseClaims,
    describe: (origin, issuer) => ({
      issuer,
      discovery: `${issuer}/.well-known/openid-configuration`,
      client_id: 'tobira-facebook',
      client_secret: SECRETS.facebook,
    }),
  },
  {
    name: 'dacc',
    issuer: (origin) => `${origin}/`,
    clients: [
      { client_id: 'tobira-dacc', client_secret: SECRETS.dacc, id_token_signed_response_alg: 'HS256' },
      { client_id: 'tobira-dacc-rs', client_secret: SECRETS.daccRs },
    ],
    claims: baseClaims,
    idTokenAlgs: ['RS256', 'HS256'],
    hideCodeChallengeMethods: true,
    jwksWithoutKid: true,
    describe: (origin, issuer) => ({
      issuer,
      discovery: `${origin}/.well-known/openid-configuration`,
      client_id: 'tobira-dacc',
      client_secret: SECRETS.dacc,
      rs256_client_id: 'tobira-dacc-rs',
      rs256_client_secret: SECRETS.daccRs,
    }),
  },
  {
    name: 'adfs',
    issuer: (origin) => `${origin}/adfs`,
    clients: [{ client_id: 'tobira-adfs', client_secret: SECRETS.adfs }],
    scopeClaims: { openid: ['sub', 'upn'] },
    claims: (login) => ({ ...baseClaims(login), upn: emailOf(login) }),
    describe: (origin, issuer) => ({
      issuer,
      discovery: `${issuer}/.well-known/openid-configuration`,
      client_id: 'tobira-adfs',
      client_secret: SECRETS.adfs,
    }),
  },
];

// RSA key generation is the slowest part of the start-up: begin it (on libuv's thread pool)
// before loading oidc-provider, so the two overlap.
const SIGNING_KEYS = new Map(PROFILES.map(({ name }) => [name, signingKey(name)]));
// Awaited (and so reported) in startProfile; this only keeps an early failure from being
// reported as unhandled first.
SIGNING_KEYS.forEach((promise) => promise.catch(() => {}));

const { default: Provider, interactionPolicy } = await import('oidc-provider');

// Any http redirect URI on the loopback interface, whatever its port and path.
function loopbackRedirectUri(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'http:'
    && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')
    && url.username === ''
    && url.password === ''
    && url.hash === ''
    && !value.includes('#');
}

async function signingKey(name) {
  const { privateKey } = await promisify(crypto.generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `${name}-${crypto.randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
}

function htmlEscape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(profile, action, message) {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Test provider ${htmlEscape(profile)}</title></head>
<body>
<h1>Test provider ${htmlEscape(profile)}</h1>
${message ? `<p id="error">${htmlEscape(message)}</p>\n` : ''}<form method="post" action="${htmlEscape(action)}">
<input name="login" id="login" autofocus>
<button type="submit" id="submit">Sign in</button>
</form>
</body>
</html>
`;
}

function errorPage(profile, out) {
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Test provider ${htmlEscape(profile)}: error</title></head>
<body>
<h1>Test provider ${htmlEscape(profile)}: error</h1>
<p id="error">${htmlEscape(out.error ?? 'server_error')}</p>
<p id="error_description">${htmlEscape(out.error_description ?? '')}</p>
</body>
</html>
`;
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function interactionPolicyFor(accountIdFor) {
  const { Prompt, Check, base } = interactionPolicy;
  const policy = base();
  // A login_hint naming someone else than the signed-in account asks for a new sign-in.
  policy.get('login').checks.add(new Check(
    'login_hint_mismatch',
    'login_hint does not match the signed-in account',
    (ctx) => {
      const { oidc } = ctx;
      const hint = oidc.params.login_hint;
      if (
        typeof hint === 'string' && hint.trim()
        && oidc.session.accountId && oidc.session.accountId !== accountIdFor(hint.trim())
        && !oidc.result?.login
      ) {
        return Check.REQUEST_PROMPT;
      }
      return Check.NO_NEED_TO_PROMPT;
    },
  ));
  // prompt=select_account (sent by many Google and Microsoft clients) shows the sign-in page.
  policy.add(new Prompt({ name: 'select_account', requestable: true }), 0);
  return policy;
}

async function startProfile(profile) {
  const server = http.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const origin = `http://${HOST}:${server.address().port}`;
  const issuer = profile.issuer(origin);
  let mount = new URL(issuer).pathname;
  if (mount.endsWith('/')) mount = mount.slice(0, -1);

  const jwk = await SIGNING_KEYS.get(profile.name);

  // The account id is the `sub` of the tokens: the login itself, or (microsoft) derived from it.
  const logins = new Map();
  const accountIdFor = (login) => {
    const id = profile.subject ? profile.subject(login) : login;
    logins.set(id, login);
    return id;
  };
  const loginOf = (accountId) => logins.get(accountId) ?? accountId;
  const claimsConfig = {
    acr: null,
    sid: null,
    auth_time: null,
    iss: null,
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    ...profile.scopeClaims,
  };

  const provider = new Provider(issuer, {
    clients: profile.clients.map((client) => ({
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...client,
    })),
    jwks: { keys: [jwk] },
    claims: claimsConfig,
    scopes: ['openid', 'email', 'profile'],
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    pkce: { required: () => true },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: profile.idTokenAlgs ?? ['RS256'] },
    features: {
      devInteractions: { enabled: false },
    },
    cookies: {
      // Every profile shares the host 127.0.0.1 (cookies ignore ports): keep the names apart.
      names: {
        session: `_session_${profile.name}`,
        interaction: `_interaction_${profile.name}`,
        resume: `_interaction_resume_${profile.name}`,
      },
      keys: [crypto.randomBytes(32).toString('base64url')],
    },
    interactions: {
      policy: interactionPolicyFor(accountIdFor),
      url: (ctx, interaction) => `${mount}/interaction/${interaction.uid}`,
    },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...profile.claims(loginOf(id)) }),
    }),
    clientBasedCORS: () => false,
    // oidc-provider's own error page loads web fonts from the internet; this one loads nothing.
    renderError: (ctx, out) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = errorPage(profile.name, out);
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
    },
  });

  provider.Client.prototype.redirectUriAllowed = loopbackRedirectUri;

  // Finishes `interaction` as `login` (or with access_denied for the login `deny`): signs in,
  // grants every requested scope and claim, and redirects back to the authorization endpoint.
  async function finish(ctx, interaction, login) {
    let result;
    if (login === 'deny') {
      result = { error: 'access_denied', error_description: 'End-User denied the request' };
    } else {
      const { details = {} } = interaction.prompt ?? {};
      const accountId = accountIdFor(login);
      if (interaction.session?.accountId && interaction.session.accountId !== accountId) {
        // Someone else is signed in: end that session here. Otherwise oidc-provider would
        // first ask the browser to confirm a logout through a script-submitted form, which a
        // plain HTTP client cannot follow.
        if (interaction.session.uid) {
          const previous = await provider.Session.findByUid(interaction.session.uid);
          await previous?.destroy();
        }
        delete interaction.session;
        delete interaction.grantId;
      }
      let grant;
      if (interaction.grantId && interaction.session?.accountId === accountId) {
        grant = await provider.Grant.find(interaction.grantId);
      }
      grant ??= new provider.Grant({ accountId, clientId: interaction.params.client_id });
      grant.addOIDCScope(String(interaction.params.scope ?? 'openid'));
      if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      result = {
        select_account: {},
        login: { accountId },
        consent: { grantId },
      };
    }
    interaction.result = result;
    await interaction.save(Math.max(interaction.exp - Math.floor(Date.now() / 1000), 1));
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  }

  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(ctx.path);
    if (!match) {
      await next();
      if (profile.hideCodeChallengeMethods && ctx.path.startsWith('/.well-known/') && ctx.body?.issuer) {
        const { code_challenge_methods_supported: _, ...rest } = ctx.body;
        ctx.body = rest;
      }
      if (ctx.req.tobiraTemplateIssuer && ctx.body?.issuer) {
        ctx.body = { ...ctx.body, issuer: `${origin}/{tenantid}/v2.0` };
      }
      if (profile.jwksWithoutKid && ctx.path === '/jwks' && Array.isArray(ctx.body?.keys)) {
        ctx.body = { keys: ctx.body.keys.map(({ kid: _, ...key }) => key) };
        ctx.type = 'application/jwk-set+json; charset=utf-8';
      }
      return;
    }

    const [, uid, submit] = match;
    ctx.set('cache-control', 'no-store');
    const interaction = await provider.Interaction.find(uid);
    if (!interaction) {
      ctx.status = 400;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'unknown or expired sign-in interaction\n';
      return;
    }
    const action = `${mount}/interaction/${uid}/login`;

    if (submit) {
      if (ctx.method !== 'POST') {
        ctx.status = 405;
        return;
      }
      const form = await readForm(ctx.req);
      const login = (form.get('login') ?? '').trim();
      if (!login) {
        ctx.status = 400;
        ctx.type = 'text/html; charset=utf-8';
        ctx.body = loginPage(profile.name, action, 'Enter a login.');
        return;
      }
      await finish(ctx, interaction, login);
      return;
    }

    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      return;
    }
    const hint = interaction.params.login_hint;
    if (interaction.prompt?.name === 'consent' && interaction.session?.accountId) {
      await finish(ctx, interaction, loginOf(interaction.session.accountId));
    } else if (typeof hint === 'string' && hint.trim()) {
      await finish(ctx, interaction, hint.trim());
    } else {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = loginPage(profile.name, action);
    }
  });

  provider.on('server_error', (ctx, err) => {
    console.error(`[${profile.name}] server error on ${ctx.method} ${ctx.path}:`, err);
  });

  const handle = provider.callback();
  const templateDiscovery = new Set(
    (profile.templateDiscovery ?? []).map((p) => `${p}/.well-known/openid-configuration`),
  );

  server.on('request', (req, res) => {
    const path = req.url.split('?')[0];
    if (templateDiscovery.has(path)) {
      req.tobiraTemplateIssuer = true;
      req.originalUrl = `${mount}/.well-known/openid-configuration`;
      req.url = '/.well-known/openid-configuration';
      handle(req, res);
      return;
    }
    if (mount === '') {
      handle(req, res);
      return;
    }
    if (path === mount || path.startsWith(`${mount}/`)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(mount.length) || '/';
      handle(req, res);
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('not found\n');
  });

  return { server, description: profile.describe(origin, issuer) };
}

function shutdown() {
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

const started = await Promise.all(PROFILES.map(startProfile));
const out = {};
PROFILES.forEach((profile, i) => {
  out[profile.name] = started[i].description;
});
process.stdout.write(`${JSON.stringify(out)}\n`);
