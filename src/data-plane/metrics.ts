/** Prometheus metrics of the gateway, served on their own port. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter;
  bytes: Counter;
  records: Counter;
  refusals: Counter<'code'>;
  decisionSeconds: Histogram;
}

export function gatewayMetrics(outboxBacklog: () => Promise<number>): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kouan_' });
  // Read from the outbox on each scrape: the outbox is the truth, not a number kept beside it.
  new Gauge({
    name: 'kouan_outbox_backlog',
    help: 'Records not yet delivered to the registry.',
    registers: [registry],
    async collect() {
      this.set(await outboxBacklog());
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'kouan_gateway_requests_total', help: 'Data-plane requests received.', registers: [registry] }),
    bytes: new Counter({ name: 'kouan_gateway_bytes_total', help: 'Bytes sent to consumers.', registers: [registry] }),
    records: new Counter({ name: 'kouan_gateway_records_total', help: 'Records sent to consumers.', registers: [registry] }),
    refusals: new Counter({ name: 'kouan_gateway_refusals_total', help: 'Refused requests and streams stopped early, by reason code.', labelNames: ['code'], registers: [registry] }),
    decisionSeconds: new Histogram({
      name: 'kouan_gateway_decision_seconds',
      help: 'Time to authorise a request (token, stored state, policy).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
      registers: [registry],
    }),
  };
}
