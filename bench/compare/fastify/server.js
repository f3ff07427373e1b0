// GET /api/v1/users/me in Fastify, for bench/compare.sh: the same work Gatehouse does on that
// route. The bearer token is one Gatehouse issued (EdDSA, Ed25519), verified with jose against
// the keys of Gatehouse's JWKS (BENCH_JWKS_FILE): signature, `iss`, `aud`, `exp` and the
// claims Gatehouse requires. The profile comes from an in-process cache keyed by the token's
// subject, filled at start from BENCH_PROFILE_FILE (Gatehouse's own answer for the bench user),
// so every request is a cache hit.
//
// Two processes: node's cluster module with SCHED_NONE, so both workers accept on the one
// shared listening socket themselves (the kernel spreads the connections) and the primary only
// watches them. (Node 20 has no `reusePort` listen option; it came in 22.12.)
//
//   BENCH_PORT=P BENCH_WORKERS=2 node bench/compare/fastify/server.js
'use strict';

const cluster = require('node:cluster');
const fs = require('node:fs');

cluster.schedulingPolicy = cluster.SCHED_NONE;
const workers = Number(process.env.BENCH_WORKERS || 2);

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (m) => {
      if (m === 'ready' && ++ready === workers) console.log('ready');
    });
  }
  cluster.on('exit', () => process.exit(1));
} else {
  const fastify = require('fastify')({ logger: false });
  const { createLocalJWKSet, jwtVerify } = require('jose');

  const jwks = createLocalJWKSet(JSON.parse(fs.readFileSync(process.env.BENCH_JWKS_FILE, 'utf8')));
  const profile = fs.readFileSync(process.env.BENCH_PROFILE_FILE);
  const profiles = new Map([[JSON.parse(profile).id, profile]]);
  const options = {
    issuer: process.env.BENCH_ISSUER,
    audience: process.env.BENCH_AUDIENCE,
    algorithms: ['EdDSA'],
    requiredClaims: ['exp', 'iat', 'sub', 'jti'],
  };
  const unauthorized = { type: 'about:blank', title: 'Unauthorized', status: 401 };

  fastify.get('/api/v1/users/me', async (request, reply) => {
    const auth = request.headers.authorization || '';
    if (!auth.startsWith('Bearer ')) {
      reply.code(401).type('application/problem+json');
      return unauthorized;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(auth.slice(7), jwks, options));
    } catch {
      reply.code(401).type('application/problem+json');
      return unauthorized;
    }
    const body = profiles.get(payload.sub);
    if (body === undefined) {
      reply.code(404);
      return { status: 404 };
    }
    reply.type('application/json');
    return body;
  });

  fastify.listen({ port: Number(process.env.BENCH_PORT), host: '127.0.0.1' }).then(
    () => process.send('ready'),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
