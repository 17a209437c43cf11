import { type Endpoint, formatEndpoint, taskIdOf, type TransferTask } from '../../lib/planner/index.js';

/** The task a one-image rule `source -> target` plans (overwrite `if-changed`, no options). */
export function taskOf(runId: string, source: Endpoint, target: Endpoint): TransferTask {
  return {
    runId,
    taskId: taskIdOf(source, target),
    source,
    target,
    overwrite: 'if-changed',
    rule: { source: formatEndpoint(source), target: formatEndpoint(target) },
  };
}
