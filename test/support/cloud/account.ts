import { CloudApiError } from './tc3.js';
import type { CloudFake } from './server.js';

interface Fn {
  params: Record<string, unknown>;
  triggers: Map<string, Record<string, unknown>>;
  versions: number;
  asyncConfig?: unknown;
}

/** An in-memory SCF + TDMQ-CMQ account behind the cloud fake: what deploy/undeploy create and read. */
export function installAccount(cloud: CloudFake): { functions: Map<string, Fn>; queues: Map<string, Record<string, unknown>> } {
  const functions = new Map<string, Fn>();
  const queues = new Map<string, Record<string, unknown>>();
  const fn = (p: Record<string, unknown>): Fn => {
    const f = functions.get(String(p.FunctionName));
    if (!f) throw new CloudApiError('ResourceNotFound.Function', `function ${String(p.FunctionName)} does not exist`);
    return f;
  };
  const h = cloud.handlers;
  h['scf.GetFunction'] = (p) => {
    const f = fn(p);
    return { ...f.params, FunctionName: p.FunctionName, Triggers: [...f.triggers.values()] };
  };
  h['scf.CreateFunction'] = (p) => {
    if (functions.has(String(p.FunctionName))) throw new CloudApiError('ResourceInUse.Function', 'exists');
    if (p.Runtime !== 'Nodejs20.19' || !(p.Code as { ZipFile?: string })?.ZipFile) throw new CloudApiError('InvalidParameterValue', 'runtime or code');
    functions.set(String(p.FunctionName), { params: { ...p, Code: undefined }, triggers: new Map(), versions: 0 });
    return {};
  };
  h['scf.UpdateFunctionCode'] = (p) => (fn(p), {});
  h['scf.UpdateFunctionConfiguration'] = (p) => {
    const f = fn(p);
    f.params = { ...f.params, ...p };
    return {};
  };
  h['scf.PublishVersion'] = (p) => ({ FunctionVersion: String(++fn(p).versions) });
  h['scf.ListTriggers'] = (p) => ({ Triggers: [...fn(p).triggers.values()], TotalCount: fn(p).triggers.size });
  h['scf.CreateTrigger'] = (p) => {
    const f = fn(p);
    if (f.triggers.has(String(p.TriggerName))) throw new CloudApiError('ResourceInUse.Trigger', 'exists');
    f.triggers.set(String(p.TriggerName), { TriggerName: p.TriggerName, Type: p.Type, TriggerDesc: p.TriggerDesc, CustomArgument: p.CustomArgument ?? '' });
    return {};
  };
  h['scf.DeleteTrigger'] = (p) => (fn(p).triggers.delete(String(p.TriggerName)), {});
  h['scf.GetFunctionEventInvokeConfig'] = (p) => ({ AsyncTriggerConfig: fn(p).asyncConfig ?? { RetryConfig: [{ RetryNum: 2 }], MsgTTL: 21600 } });
  h['scf.UpdateFunctionEventInvokeConfig'] = (p) => ((fn(p).asyncConfig = p.AsyncTriggerConfig), {});
  h['scf.DeleteFunction'] = (p) => (fn(p), functions.delete(String(p.FunctionName)), {});
  h['tdmq.DescribeCmqQueueDetail'] = (p) => {
    const q = queues.get(String(p.QueueName));
    if (!q) throw new CloudApiError('ResourceNotFound', `queue ${String(p.QueueName)} does not exist`);
    return { QueueDescribe: { ...q, DeadLetterPolicy: { MaxReceiveCount: q.MaxReceiveCount, DeadLetterQueue: q.DeadLetterQueueName } } };
  };
  h['tdmq.CreateCmqQueue'] = (p) => {
    if (queues.has(String(p.QueueName))) throw new CloudApiError('ResourceInUse', 'exists');
    if (p.DeadLetterQueueName && !queues.has(String(p.DeadLetterQueueName))) throw new CloudApiError('ResourceNotFound', 'dead-letter queue first');
    queues.set(String(p.QueueName), p);
    return { QueueId: `queue-${queues.size}` };
  };
  h['tdmq.ModifyCmqQueueAttribute'] = (p) => (queues.set(String(p.QueueName), { ...queues.get(String(p.QueueName)), ...p }), {});
  h['tdmq.DeleteCmqQueue'] = (p) => (queues.delete(String(p.QueueName)), {});
  return { functions, queues };
}
