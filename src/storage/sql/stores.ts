/** Every store over one driver and one dialect: all that SQLite and PostgreSQL share. */
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { Stores } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import { DocumentTable } from './document-table.ts';
import type { SqlDriver } from './driver.ts';
import { SqlOutbox } from './outbox.ts';
import { page } from './paging.ts';
import { SqlStatefulStore } from './stateful-store.ts';
import { DocumentStatements } from './statements.ts';
import { tables, type TableSpec } from './tables.ts';
import { SqlTransferTerms } from './transfer-terms.ts';
import { SqlUsageStore } from './usage.ts';
import { SqlBudgetStore } from './budgets.ts';

export function sqlStores(driver: SqlDriver, dialect: Dialect): Stores {
  const sql = new DocumentStatements(dialect);
  const table = <T extends { id: string }>(spec: TableSpec<T>): DocumentTable<T> => new DocumentTable(driver, sql, spec);
  const assets = table(tables.assets);
  const offers = table(tables.offers);
  const agreements = table(tables.agreements);
  const approvals = table(tables.approvals);

  return {
    assets: {
      put: async (asset) => assets.upsert(asset),
      get: async (id) => assets.get(id),
      list: async (request) => assets.page(page(request)),
      delete: async (id) => assets.delete(id, { foreign_key: () => new ConflictError(`asset ${id} still has offers; delete them first`) }),
    },
    offers: {
      put: async (offer) => offers.upsert(offer, { foreign_key: () => new NotFoundError(`asset ${offer.assetId} of offer ${offer.id} not found`) }),
      get: async (id) => offers.get(id),
      list: async (request) => offers.page(page(request)),
      listByAsset: async (assetId) => offers.all({ column: 'asset_id', value: assetId }),
      delete: async (id) => offers.delete(id),
    },
    negotiations: new SqlStatefulStore(table(tables.negotiations)),
    agreements: {
      create: async (agreement) => agreements.insert(agreement),
      save: async (agreement) => {
        if (!(await agreements.replace(agreement))) throw new NotFoundError(`agreement ${agreement.id} not found`);
      },
      get: async (id) => agreements.get(id),
      list: async (request) => agreements.page(page(request)),
    },
    transfers: new SqlStatefulStore(table(tables.transfers)),
    approvals: {
      put: async (approval) => approvals.upsert(approval),
      get: async (id) => approvals.get(id),
      list: async (kind) => approvals.all(kind === undefined ? undefined : { column: 'kind', value: kind }),
      delete: async (id) => approvals.delete(id),
    },
    transferTerms: new SqlTransferTerms(driver, dialect),
    usage: new SqlUsageStore(driver, dialect),
    budgets: new SqlBudgetStore(driver, dialect),
    outbox: new SqlOutbox(driver, dialect),
    close: () => driver.close(),
  };
}
