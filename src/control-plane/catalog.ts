import type { ControlPlaneDeps } from './deps.ts';
import { message, type DspMessage } from './dsp/jsonld.ts';
import { toDsp } from './dsp/odrl.ts';
import type { Asset, Offer } from './model.ts';
import { KouanError } from '../core/errors.ts';

export const DATA_SERVICE_ID = 'urn:kouan:data-service';
export const PULL_FORMAT = 'HttpData-PULL';
/** What a transfer request may call the pull format: Kouan's name (EDC's too) and the DSP conformance kit's. */
export const PULL_FORMATS: readonly string[] = [PULL_FORMAT, 'HTTP-PULL'];

export function datasetJson(asset: Asset, offers: Offer[]): Record<string, unknown> {
  return {
    '@id': asset.id,
    '@type': 'Dataset',
    hasPolicy: offers.map((o) => ({ '@id': o.id, '@type': 'Offer', ...toDsp(o.policy) })),
    distribution: [{ '@type': 'Distribution', format: PULL_FORMAT, accessService: DATA_SERVICE_ID }],
    'kouan:title': asset.title,
    'kouan:grade': asset.classification.grade,
    'kouan:domain': asset.classification.domain,
    'kouan:categories': asset.classification.categories,
  };
}

/** Every entry of a paged store list (pages of at most 1000). */
async function everything<T>(list: (page: { offset: number; limit: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await list({ offset, limit: 1000 });
    all.push(...page);
    if (page.length < 1000) return all;
  }
}

/** The DCAT catalog this provider shows: every asset that has at least one offer. */
export class CatalogService {
  readonly #deps: ControlPlaneDeps;
  constructor(deps: ControlPlaneDeps) {
    this.#deps = deps;
  }

  async catalog(): Promise<DspMessage> {
    const { assets, offers } = this.#deps.stores;
    const byAsset = new Map<string, Offer[]>();
    for (const offer of await everything((p) => offers.list(p))) byAsset.set(offer.assetId, [...(byAsset.get(offer.assetId) ?? []), offer]);
    const datasets = (await everything((p) => assets.list(p))).filter((a) => byAsset.has(a.id)).map((a) => datasetJson(a, byAsset.get(a.id)!));
    return message('Catalog', {
      '@id': `urn:kouan:catalog:${this.#deps.self.participantId}`,
      participantId: this.#deps.self.participantId,
      service: [{ '@id': DATA_SERVICE_ID, '@type': 'DataService', endpointURL: this.#deps.callbackAddress }],
      dataset: datasets,
    });
  }

  async dataset(id: string): Promise<DspMessage> {
    const asset = await this.#deps.stores.assets.get(id);
    const offers = asset ? await this.#deps.stores.offers.listByAsset(id) : [];
    if (!asset || offers.length === 0) throw new KouanError('NOT_FOUND', `no dataset ${id}`);
    return message('Dataset', datasetJson(asset, offers));
  }
}
