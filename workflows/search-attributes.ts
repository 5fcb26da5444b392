// Every custom search attribute the workflows set, registered with the Temporal server at start
// (`npm start`, the test setup and docker-compose's setup all read this list). They make runs and
// leads findable in the Web UI, e.g. `CampaignUuid = "…" AND LeadStatus = "waiting_recall"`.
export const SEARCH_ATTRIBUTES = {
  CampaignUuid: 'Keyword',
  TenantUuid: 'Keyword',
  CampaignStatus: 'Keyword',
  LeadStatus: 'Keyword',
  Disposition: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;
