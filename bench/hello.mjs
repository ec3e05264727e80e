// The baseline of `npm run bench`: a bare Fastify route on the same Node, pinned like Berth's
// server, so that Berth's per-request cost is read as a ratio measured in the same run.
import Fastify from 'fastify';

// `/same` answers the JSON document given as the second argument: the same bytes Berth sends,
// so that the share of the gap owed to the response's size alone is measured too.
const same = JSON.parse(process.argv[3] ?? '{}');
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/same', async () => same);
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
