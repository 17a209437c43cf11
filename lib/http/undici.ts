import type { Agent as AgentClass } from 'undici';
import AgentModule from 'undici/lib/dispatcher/agent.js';
import DispatcherModule from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';

// Only the parts of undici this client uses (Agent + the request API). The package entry also loads
// fetch, WebSocket, caches and mocks: ~1.3 MB that every CLI start would parse and evaluate.
// This mirrors `Object.assign(Dispatcher.prototype, api)` in undici's index.js (pinned 7.x layout,
// exercised by every registry test).
Object.assign((DispatcherModule as { prototype: object }).prototype, api);

export const Agent = AgentModule as unknown as typeof AgentClass;
export type Agent = AgentClass;
