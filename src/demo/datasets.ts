/** The demo's datasets, generated deterministically and served by a small backend on loopback. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const DIAGNOSES = ['C34.1', 'E11.9', 'I10', 'J45.909', 'K21.9'];
const NAMES = ['Wang Fang', 'Li Wei', 'Zhang Min', 'Liu Yang', 'Chen Jing', 'Yang Lei', 'Zhao Li', 'Huang Tao'];

function* trialVisits(patients: number, prefix: string): Generator<Record<string, unknown>> {
  for (let i = 0; i < patients * 2; i++) {
    const p = i % patients;
    yield { patient_id: `${prefix}-${String(p).padStart(6, '0')}`, patient_name: NAMES[p % NAMES.length], age: 35 + (p % 40), site: p % 2 ? 'Beijing' : 'Tianjin', diagnosis: DIAGNOSES[p % DIAGNOSES.length], visit: Math.floor(i / patients) + 1, hba1c: 5 + ((p * 7) % 40) / 10 };
  }
}

function* annotations(images: number): Generator<Record<string, unknown>> {
  const labels = ['car', 'pedestrian', 'bicycle', 'traffic_light', 'bus'];
  for (let i = 0; i < images; i++) yield { image: `img-${String(i).padStart(5, '0')}.jpg`, width: 1920, height: 1080, label: labels[i % labels.length], bbox: [i % 800, (i * 3) % 600, 120, 80], annotator: `vendor-team-${i % 4}` };
}

const DATASETS: Record<string, { type: string; rows: () => Iterable<Record<string, unknown>>; format: 'ndjson' | 'json' }> = {
  '/trial-deidentified.ndjson': { type: 'application/x-ndjson', rows: () => trialVisits(800, 'BJH'), format: 'ndjson' },
  '/trial-full.ndjson': { type: 'application/x-ndjson', rows: () => trialVisits(20_000, 'BJF'), format: 'ndjson' },
  '/trial-scc.ndjson': { type: 'application/x-ndjson', rows: () => trialVisits(300, 'BJS'), format: 'ndjson' },
  '/annotations.json': { type: 'application/json', rows: () => annotations(2_000), format: 'json' },
};

export interface DatasetBackend {
  url(path: keyof typeof DATASETS | string): string;
  close(): Promise<void>;
}

/** Streams each dataset with backpressure; nothing is held in memory whole. */
export async function startDatasetBackend(): Promise<DatasetBackend> {
  const server: Server = createServer(async (req, res) => {
    const dataset = DATASETS[req.url ?? ''];
    if (!dataset) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': dataset.type });
    let first = true;
    if (dataset.format === 'json') res.write('[');
    for (const row of dataset.rows()) {
      const text = dataset.format === 'json' ? `${first ? '' : ','}${JSON.stringify(row)}` : `${JSON.stringify(row)}\n`;
      first = false;
      if (!res.write(text)) await new Promise((r) => res.once('drain', r));
    }
    res.end(dataset.format === 'json' ? ']' : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, close: () => new Promise((r) => server.close(() => r())) };
}
