// Runs the TypeScript tests and src/ under Node: registers hooks.mjs (see there) for this process
// and for the worker threads and child processes that inherit its --import.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
