// One half of a deliberate import cycle (import-cycles.test.ts checks that it is found).
import { b } from './b.js';
export const a = (): number => b() + 1;
