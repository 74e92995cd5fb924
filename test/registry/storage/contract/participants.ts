/** Contract of ParticipantStore. */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../../src/core/errors.ts';
import { participant } from './fixtures.ts';
import { storesFor, type NewDatabase } from './harness.ts';

export function describeParticipantStore(newDatabase: NewDatabase): void {
  describe('ParticipantStore', () => {
    const open = storesFor(newDatabase);

    it('returns a participant exactly as registered, and null for an unknown id', async () => {
      const { stores } = await open();
      const p = participant('bj-hospital', { ciio: true, ftz: 'CN-BJ-FTZ', creditGrade: 'A', certificatePem: '-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n' });
      await stores.participants.create(p);
      expect(await stores.participants.get('bj-hospital')).toEqual(p);
      expect(await stores.participants.get('pharma-de')).toBeNull();
    });

    it('refuses a second registration of the same id and keeps the first', async () => {
      const { stores } = await open();
      await stores.participants.create(participant('bj-hospital'));
      await expect(stores.participants.create(participant('bj-hospital', { legalName: 'Impostor' }))).rejects.toMatchObject({ code: 'REGISTRY_PARTICIPANT_EXISTS', status: 409 });
      expect((await stores.participants.get('bj-hospital'))?.legalName).toBe('bj-hospital 有限公司');
    });

    it('replaces a registered participant, and refuses to save one never registered', async () => {
      const { stores } = await open();
      await stores.participants.create(participant('bj-hospital'));
      const suspended = participant('bj-hospital', { status: 'suspended', suspension: { reason: 'overdue filing', at: '2026-11-28T00:00:00.000Z' } });
      await stores.participants.save(suspended);
      expect(await stores.participants.get('bj-hospital')).toEqual(suspended);
      await expect(stores.participants.save(participant('ghost'))).rejects.toThrow(NotFoundError);
      expect(await stores.participants.get('ghost')).toBeNull();
    });

    it('lists participants a page at a time in bytewise id order', async () => {
      const { stores } = await open();
      for (const id of ['b-2', 'a-1', 'B-3', 'c-0', 'a.0']) await stores.participants.create(participant(id));
      expect((await stores.participants.list()).map((p) => p.id)).toEqual(['B-3', 'a-1', 'a.0', 'b-2', 'c-0']);
      expect((await stores.participants.list({ offset: 1, limit: 2 })).map((p) => p.id)).toEqual(['a-1', 'a.0']);
      await expect(stores.participants.list({ limit: 5000 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    });
  });
}
