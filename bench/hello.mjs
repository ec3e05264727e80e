// The baseline of `npm run bench`: a bare Fastify route on the same Node, pinned like Berth's
// server, so that Berth's per-request cost is read as a ratio measured in the same run.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
