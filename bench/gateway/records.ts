/** Clinical visit records for the gateway bench: ~200 bytes of NDJSON each, patients drawn from a fixed cohort. */

/** Distinct patients over all the bench's datasets: under the sensitive-PI cap of a fresh exporter (10,000). */
export const COHORT = 5_000;

const DIAGNOSES = ['E11.9', 'C34.1', 'I10', 'J45.909', 'N18.3', 'E78.5', 'I25.10'];
const DRUGS = ['metformin 500 mg bid', 'atorvastatin 20 mg qd', 'amlodipine 5 mg qd', 'osimertinib 80 mg qd', 'budesonide 200 µg bid'];
const SITES = ['BJ-01', 'BJ-02', 'SH-01', 'GZ-03'];

export function clinicalRecord(i: number) {
  const patient = i % COHORT;
  return {
    patient_id: `P-${String(patient).padStart(6, '0')}`,
    patient_name: `Patient ${patient} Zhang`,
    birth_year: 1940 + (patient % 60),
    sex: patient % 2 ? 'F' : 'M',
    site: SITES[patient % SITES.length],
    visit_id: `V-${String(i).padStart(8, '0')}`,
    visit_date: `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    diagnosis: DIAGNOSES[i % DIAGNOSES.length],
    hba1c: 5 + (i % 40) / 10,
    ldl: 2 + (i % 25) / 10,
    sbp: 110 + (i % 50),
    dbp: 70 + (i % 25),
    medication: DRUGS[i % DRUGS.length],
  };
}
