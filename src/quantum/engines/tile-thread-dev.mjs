// Entry of a tile helper thread when Berth runs from its TypeScript sources (tests, `npm run dev`):
// Node 20 does not apply the parent's tsx loader to a worker's own entry, so load the thread
// through tsx here. The built library loads the compiled tile-thread.js directly.
import { tsImport } from 'tsx/esm/api';

await tsImport('./tile-thread.ts', import.meta.url);
