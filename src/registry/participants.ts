/**
 * Participants as the data-port operator registers them, and the question the intake asks of every connection:
 * is this certificate the registered one of a registered participant?
 */
import type { X509Certificate } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { InputError, KouanError, NotFoundError } from '../core/errors.ts';
import { MAX_PAGE } from '../storage/sql/paging.ts';
import { identityOfCertificate, readCertificate, thumbprint, type PeerIdentity } from '../trust/identity.ts';
import type { Grade } from './credit.ts';
import type { Participant } from './model.ts';
import type { ParticipantStore } from './storage/ports.ts';

export interface Registration {
  id: string;
  legalName: string;
  country: string;
  ciio?: boolean;
  ftz?: string | null;
  creditGrade?: Grade | null;
  stateOrgan?: boolean;
  foreignControlled?: boolean;
  gba?: boolean;
  dspUrl?: string | null;
  /** The participant's certificate (PEM); or give its thumbprint. */
  certificatePem?: string;
  certThumbprint?: string;
}

/** The attributes that change over a participant's life (DESIGN: they live here, not in certificates). */
export type AttributeChange = Partial<Pick<Participant, 'legalName' | 'ciio' | 'ftz' | 'creditGrade' | 'stateOrgan' | 'foreignControlled' | 'gba' | 'dspUrl'>>;

/** What a participant sees of its own record (the certificate itself stays with the operator). */
export type ParticipantView = Omit<Participant, 'certificatePem' | 'registeredCertificates'>;
export const viewOf = ({ certificatePem: _pem, registeredCertificates: _registered, ...view }: Participant): ParticipantView => view;

export class ParticipantRegistry {
  readonly #store: ParticipantStore;
  readonly #ca: X509Certificate;
  readonly #clock: Clock;

  constructor(store: ParticipantStore, ca: X509Certificate, clock: Clock) {
    this.#store = store;
    this.#ca = ca;
    this.#clock = clock;
  }

  /** Registers a participant with the certificate its connector will present (REGISTRY_PARTICIPANT_EXISTS when taken). */
  async register(input: Registration): Promise<Participant> {
    const now = this.#clock.now().toISOString();
    const certThumbprint = this.#certificate(input);
    const participant: Participant = {
      id: input.id,
      legalName: input.legalName,
      country: input.country,
      ciio: input.ciio ?? false,
      ftz: input.ftz ?? null,
      creditGrade: input.creditGrade ?? null,
      stateOrgan: input.stateOrgan ?? false,
      foreignControlled: input.foreignControlled ?? false,
      gba: input.gba ?? false,
      dspUrl: input.dspUrl ?? null,
      creditGrades: input.creditGrade ? [{ grade: input.creditGrade, at: now }] : [],
      certThumbprint,
      certificatePem: input.certificatePem ?? null,
      registeredCertificates: [{ certificatePem: input.certificatePem ?? null, certThumbprint, since: now }],
      status: 'active',
      suspension: null,
      suspensions: [],
      registeredAt: now,
      updatedAt: now,
    };
    await this.#store.create(participant);
    return participant;
  }

  async get(id: string): Promise<Participant> {
    const participant = await this.#store.get(id);
    if (participant === null) throw new NotFoundError(`participant ${id} is not registered`);
    return participant;
  }

  list(page: { offset?: number; limit?: number }): Promise<Participant[]> {
    return this.#store.list(page);
  }

  /** Every participant, in id order. */
  async all(): Promise<Participant[]> {
    const all: Participant[] = [];
    for (let offset = 0; ; offset += MAX_PAGE) {
      const page = await this.#store.list({ offset, limit: MAX_PAGE });
      all.push(...page);
      if (page.length < MAX_PAGE) return all;
    }
  }

  /** Suspends a participant: its records are refused until it is reinstated. Suspending again keeps the first reason. */
  async suspend(id: string, reason: string): Promise<Participant> {
    const participant = await this.get(id);
    if (participant.status === 'suspended') return participant;
    const suspension = { reason, at: this.#clock.now().toISOString() };
    return this.#save({ ...participant, status: 'suspended', suspension, suspensions: [...(participant.suspensions ?? []), suspension] });
  }

  /** Changes regulatory attributes (CIIO status, free-trade zone, credit grade) or the legal name; a new credit grade joins its history. */
  async change(id: string, change: AttributeChange): Promise<Participant> {
    const participant = await this.get(id);
    const grades = participant.creditGrades ?? [];
    const graded = change.creditGrade === undefined || change.creditGrade === participant.creditGrade ? {} : { creditGrades: [...grades, { grade: change.creditGrade, at: this.#clock.now().toISOString() }] };
    return this.#save({ ...participant, ...change, ...graded });
  }

  /** Registers the participant's new certificate (after a reissue): from then on only it is admitted. */
  async replaceCertificate(id: string, certificate: Pick<Registration, 'certificatePem' | 'certThumbprint'>): Promise<Participant> {
    const participant = await this.get(id);
    const certThumbprint = this.#certificate({ id, country: participant.country, ...certificate });
    const certificatePem = certificate.certificatePem ?? null;
    const registered = [...(participant.registeredCertificates ?? []), { certificatePem, certThumbprint, since: this.#clock.now().toISOString() }];
    return this.#save({ ...participant, certThumbprint, certificatePem, registeredCertificates: registered });
  }

  async reinstate(id: string): Promise<Participant> {
    const participant = await this.get(id);
    if (participant.status === 'active') return participant;
    return this.#save({ ...participant, status: 'active', suspension: null });
  }

  /** The registered participant behind a mutual-TLS connection, whatever its status. */
  async attested(peer: PeerIdentity): Promise<Participant> {
    const participant = await this.#store.get(peer.participantId);
    if (participant === null) throw new KouanError('REGISTRY_NOT_REGISTERED', `participant ${peer.participantId} is not registered with this registry`);
    if (participant.certThumbprint !== peer.certThumbprint) {
      throw new KouanError('REGISTRY_CERTIFICATE_NOT_REGISTERED', `participant ${peer.participantId} presented certificate ${peer.certThumbprint}; the registered one is ${participant.certThumbprint}`);
    }
    // The first time a registered certificate is presented, its serial joins the participant's history (grading
    // counts the revoked ones; a replaced certificate stays in the history).
    if (!(participant.certificates ?? []).some((c) => c.serial === peer.serial)) {
      // An observation, not a change of the participant's attributes: updatedAt stays.
      const seen: Participant = { ...participant, certificates: [...(participant.certificates ?? []), { serial: peer.serial, thumbprint: peer.certThumbprint, since: this.#clock.now().toISOString() }] };
      await this.#store.save(seen);
      return seen;
    }
    return participant;
  }

  /** The attested participant, refused when it is suspended. */
  async admitted(peer: PeerIdentity): Promise<Participant> {
    const participant = await this.attested(peer);
    if (participant.status === 'suspended') throw new KouanError('REGISTRY_PARTICIPANT_SUSPENDED', `participant ${participant.id} is suspended: ${participant.suspension?.reason ?? ''}`);
    return participant;
  }

  async #save(participant: Participant): Promise<Participant> {
    const saved = { ...participant, updatedAt: this.#clock.now().toISOString() };
    await this.#store.save(saved);
    return saved;
  }

  /** The registered certificate's thumbprint: from the PEM (checked against the CA, the id and the country) or as given. */
  #certificate(input: Pick<Registration, 'id' | 'country' | 'certificatePem' | 'certThumbprint'>): string {
    if (input.certificatePem === undefined) {
      if (input.certThumbprint === undefined) throw new InputError('give the participant\'s certificate (certificatePem) or its thumbprint (certThumbprint)');
      return input.certThumbprint;
    }
    const refuse = (why: string): KouanError => new KouanError('REGISTRY_CERTIFICATE_INVALID', why);
    let cert: X509Certificate;
    let identity: PeerIdentity;
    try {
      cert = readCertificate(input.certificatePem);
      identity = identityOfCertificate(cert);
    } catch (error) {
      throw refuse(`the certificate is not a participant certificate: ${(error as Error).message}`);
    }
    if (!(cert.checkIssued(this.#ca) && cert.verify(this.#ca.publicKey))) throw refuse('the certificate is not issued by the data-space CA');
    if (identity.participantId !== input.id) throw refuse(`the certificate is participant ${identity.participantId}'s, not ${input.id}'s`);
    if (identity.country !== input.country) throw refuse(`the certificate says country ${identity.country}, the registration ${input.country}`);
    const computed = thumbprint(cert.raw);
    if (input.certThumbprint !== undefined && input.certThumbprint !== computed) throw refuse('certThumbprint is not the thumbprint of certificatePem');
    return computed;
  }
}
