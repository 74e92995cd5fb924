/**
 * Contract of BudgetStore: reservations that never take a budget past its cap, however many writers reserve
 * at once through separate connections, and that only an explicit release gives back.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.ts';
import { storesFor, type NewDatabase } from './harness.ts';

export function describeBudgetStore(newDatabase: NewDatabase): void {
  describe('BudgetStore', () => {
    const db = storesFor(newDatabase);

    it('starts a budget at its seed and grants up to the cap, then nothing', async () => {
      const { budgets } = (await db.open()).stores;
      let seeded = 0;
      const seed = async () => {
        seeded += 1;
        return 7;
      };
      expect(await budgets.reserved('agreement:a:records')).toBeNull();
      expect(await budgets.reserve('agreement:a:records', 2, 10, seed)).toBe(2);
      expect(await budgets.reserve('agreement:a:records', 5, 10, seed)).toBe(1);
      expect(await budgets.reserve('agreement:a:records', 1, 10, seed)).toBe(0);
      expect(await budgets.reserved('agreement:a:records')).toBe(10);
      expect(seeded).toBe(1);
      // A seed already over the cap grants nothing and the budget is not lowered.
      expect(await budgets.reserve('agreement:b:records', 3, 5, async () => 9)).toBe(0);
      expect(await budgets.reserved('agreement:b:records')).toBe(9);
    });

    it('gives back only what is released', async () => {
      const { budgets } = (await db.open()).stores;
      expect(await budgets.reserve('exporter:x:2026:subjects', 10, 10, async () => 0)).toBe(10);
      await budgets.release('exporter:x:2026:subjects', 4);
      expect(await budgets.reserve('exporter:x:2026:subjects', 10, 10, async () => 0)).toBe(4);
      await expect(budgets.release('exporter:x:2026:subjects', -1)).rejects.toBeInstanceOf(InputError);
      await expect(budgets.reserve('exporter:x:2026:subjects', 1.5, 10, async () => 0)).rejects.toBeInstanceOf(InputError);
    });

    it('grants exactly the cap in all to many writers reserving at once through separate connections', async () => {
      const { stores, reopen } = await db.open();
      const others = [stores, await reopen(), await reopen()];
      const wants = Array.from({ length: 90 }, (_, i) => 1 + (i % 4));
      const granted = await Promise.all(wants.map((want, i) => others[i % others.length]!.budgets.reserve('agreement:c:subjects', want, 100, async () => 3)));
      expect(granted.reduce((a, b) => a + b, 0)).toBe(97);
      expect(granted.every((g, i) => g >= 0 && g <= wants[i]!)).toBe(true);
      expect(await stores.budgets.reserved('agreement:c:subjects')).toBe(100);
    });
  });
}
