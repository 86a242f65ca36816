/**
 * CDS Hooks 2.0 wire types, one per object in the specification
 * (https://cds-hooks.hl7.org/2.0/). Field names and optionality mirror the spec tables;
 * see ../shared/cds-hooks/spec-brief.md section 2.
 */

/** A JSON object whose keys are reverse-domain names (spec 2.0 "Extensions"). */
export type Extension = Record<string, unknown>;

export interface Coding {
  code: string;
  system?: string;
  display?: string;
}

// ---- Discovery -------------------------------------------------------------------------

export interface CdsService {
  hook: string;
  title?: string;
  description: string;
  id: string;
  prefetch?: Record<string, string>;
  usageRequirements?: string;
  extension?: Extension;
}

export interface DiscoveryResponse {
  services: CdsService[];
}

// ---- Service request -------------------------------------------------------------------

export interface FhirAuthorization {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  subject: string;
  patient?: string;
}

export interface CdsServiceRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: FhirAuthorization;
  context: Record<string, unknown>;
  /** key -> FHIR resource, Bundle, or null ("no data"); an omitted key was not attempted. */
  prefetch?: Record<string, unknown>;
  extension?: Extension;
}

// ---- Response ---------------------------------------------------------------------------

export type Indicator = 'info' | 'warning' | 'critical';
export type SelectionBehavior = 'at-most-one' | 'any';

export interface Source {
  label: string;
  url?: string;
  icon?: string;
  topic?: Coding;
}

export interface Action {
  type: 'create' | 'update' | 'delete';
  description: string;
  resource?: unknown;
  resourceId?: string;
}

export interface Suggestion {
  label: string;
  uuid?: string;
  isRecommended?: boolean;
  actions?: Action[];
}

export interface Link {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
  autolaunchable?: boolean;
}

export interface Card {
  uuid?: string;
  summary: string;
  detail?: string;
  indicator: Indicator;
  source: Source;
  suggestions?: Suggestion[];
  selectionBehavior?: SelectionBehavior;
  overrideReasons?: Coding[];
  links?: Link[];
  extension?: Extension;
}

export interface CdsServiceResponse {
  cards: Card[];
  systemActions?: Action[];
  extension?: Extension;
}

// ---- Feedback ---------------------------------------------------------------------------

export interface AcceptedSuggestion {
  id: string;
}

export interface OverrideReason {
  reason?: Coding;
  userComment?: string;
}

export interface Feedback {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: AcceptedSuggestion[];
  overrideReason?: OverrideReason;
  outcomeTimestamp: string;
}

export interface FeedbackRequest {
  feedback: Feedback[];
}
