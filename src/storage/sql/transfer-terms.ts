/**
 * The gateway's read of every request: a transfer with its agreement and that agreement's asset, in one
 * statement (one round trip, one read transaction), as stored at that moment.
 */
import type { Asset, ContractAgreement, TransferProcess } from '../../control-plane/model.ts';
import type { TransferTerms, TransferTermsStore } from '../ports.ts';
import type { Dialect } from './dialect.ts';
import type { SqlDriver } from './driver.ts';
import { fromDocument } from './tables.ts';

/** Parameter: transfer id. The agreement and the asset are null when not stored. */
function termsStatement(d: Dialect): string {
  return 'SELECT t.document AS transfer, a.document AS agreement, s.document AS asset'
    + ` FROM ${d.table('transfers')} t`
    + ` LEFT JOIN ${d.table('agreements')} a ON a.id = ${d.documentText('t.document', 'agreementId')}`
    + ` LEFT JOIN ${d.table('assets')} s ON s.id = a.asset_id`
    + ` WHERE t.id = ${d.param(1)}`;
}

const orNull = <T>(raw: unknown): T | null => (raw === null || raw === undefined ? null : fromDocument<T>(raw));

export class SqlTransferTerms implements TransferTermsStore {
  private readonly sql: string;

  constructor(private readonly driver: SqlDriver, dialect: Dialect) {
    this.sql = termsStatement(dialect);
  }

  async get(transferId: string): Promise<TransferTerms | null> {
    const [row] = await this.driver.all(this.sql, [transferId]);
    if (row === undefined) return null;
    return { transfer: fromDocument<TransferProcess>(row['transfer']), agreement: orNull<ContractAgreement>(row['agreement']), asset: orNull<Asset>(row['asset']) };
  }
}
