-- migrate:up
-- v2, the ledger behind the guardrail (CONTRACT v2): reference data, Silver postings, Gold daily
-- sales and closed business days. Every key of a tenant's rows leads with tenant_id (docs/citus.md;
-- db/tests checks it for every table). Silver and Gold are written only by the posting functions
-- (db/functions/6xx-posting-*.sql) in the transaction that processes an arrival or a replay.

-- Currencies: ISO 4217 (list one, as published 2024-06-25), each with its minor units; the codes
-- without minor units (precious metals, funds, testing) cannot be posted.
create table ledger.currencies (
  currency text primary key check (currency ~ '^[A-Z]{3}$'),
  numeric_code text not null check (numeric_code ~ '^[0-9]{3}$'),
  name text not null,
  minor_units smallint check (minor_units between 0 and 4)
);
comment on table ledger.currencies is 'ISO 4217 currencies (list one, 2024-06-25) with their minor units: a posting''s amounts have at most that many decimals. A reference table on Citus.';
comment on column ledger.currencies.currency is 'Alphabetic code.';
comment on column ledger.currencies.numeric_code is 'Numeric code.';
comment on column ledger.currencies.name is 'Name, as ISO 4217 gives it.';
comment on column ledger.currencies.minor_units is 'Decimals of the minor unit; null where ISO defines none (XAU, XDR, XXX...): such a code cannot be posted.';
insert into ledger.currencies (currency, numeric_code, name, minor_units) values
  ('AED', '784', 'UAE Dirham', 2),
  ('AFN', '971', 'Afghani', 2),
  ('ALL', '008', 'Lek', 2),
  ('AMD', '051', 'Armenian Dram', 2),
  ('ANG', '532', 'Netherlands Antillean Guilder', 2),
  ('AOA', '973', 'Kwanza', 2),
  ('ARS', '032', 'Argentine Peso', 2),
  ('AUD', '036', 'Australian Dollar', 2),
  ('AWG', '533', 'Aruban Florin', 2),
  ('AZN', '944', 'Azerbaijan Manat', 2),
  ('BAM', '977', 'Convertible Mark', 2),
  ('BBD', '052', 'Barbados Dollar', 2),
  ('BDT', '050', 'Taka', 2),
  ('BGN', '975', 'Bulgarian Lev', 2),
  ('BHD', '048', 'Bahraini Dinar', 3),
  ('BIF', '108', 'Burundi Franc', 0),
  ('BMD', '060', 'Bermudian Dollar', 2),
  ('BND', '096', 'Brunei Dollar', 2),
  ('BOB', '068', 'Boliviano', 2),
  ('BOV', '984', 'Mvdol', 2),
  ('BRL', '986', 'Brazilian Real', 2),
  ('BSD', '044', 'Bahamian Dollar', 2),
  ('BTN', '064', 'Ngultrum', 2),
  ('BWP', '072', 'Pula', 2),
  ('BYN', '933', 'Belarusian Ruble', 2),
  ('BZD', '084', 'Belize Dollar', 2),
  ('CAD', '124', 'Canadian Dollar', 2),
  ('CDF', '976', 'Congolese Franc', 2),
  ('CHE', '947', 'WIR Euro', 2),
  ('CHF', '756', 'Swiss Franc', 2),
  ('CHW', '948', 'WIR Franc', 2),
  ('CLF', '990', 'Unidad de Fomento', 4),
  ('CLP', '152', 'Chilean Peso', 0),
  ('CNY', '156', 'Yuan Renminbi', 2),
  ('COP', '170', 'Colombian Peso', 2),
  ('COU', '970', 'Unidad de Valor Real', 2),
  ('CRC', '188', 'Costa Rican Colon', 2),
  ('CUC', '931', 'Peso Convertible', 2),
  ('CUP', '192', 'Cuban Peso', 2),
  ('CVE', '132', 'Cabo Verde Escudo', 2),
  ('CZK', '203', 'Czech Koruna', 2),
  ('DJF', '262', 'Djibouti Franc', 0),
  ('DKK', '208', 'Danish Krone', 2),
  ('DOP', '214', 'Dominican Peso', 2),
  ('DZD', '012', 'Algerian Dinar', 2),
  ('EGP', '818', 'Egyptian Pound', 2),
  ('ERN', '232', 'Nakfa', 2),
  ('ETB', '230', 'Ethiopian Birr', 2),
  ('EUR', '978', 'Euro', 2),
  ('FJD', '242', 'Fiji Dollar', 2),
  ('FKP', '238', 'Falkland Islands Pound', 2),
  ('GBP', '826', 'Pound Sterling', 2),
  ('GEL', '981', 'Lari', 2),
  ('GHS', '936', 'Ghana Cedi', 2),
  ('GIP', '292', 'Gibraltar Pound', 2),
  ('GMD', '270', 'Dalasi', 2),
  ('GNF', '324', 'Guinean Franc', 0),
  ('GTQ', '320', 'Quetzal', 2),
  ('GYD', '328', 'Guyana Dollar', 2),
  ('HKD', '344', 'Hong Kong Dollar', 2),
  ('HNL', '340', 'Lempira', 2),
  ('HTG', '332', 'Gourde', 2),
  ('HUF', '348', 'Forint', 2),
  ('IDR', '360', 'Rupiah', 2),
  ('ILS', '376', 'New Israeli Sheqel', 2),
  ('INR', '356', 'Indian Rupee', 2),
  ('IQD', '368', 'Iraqi Dinar', 3),
  ('IRR', '364', 'Iranian Rial', 2),
  ('ISK', '352', 'Iceland Krona', 0),
  ('JMD', '388', 'Jamaican Dollar', 2),
  ('JOD', '400', 'Jordanian Dinar', 3),
  ('JPY', '392', 'Yen', 0),
  ('KES', '404', 'Kenyan Shilling', 2),
  ('KGS', '417', 'Som', 2),
  ('KHR', '116', 'Riel', 2),
  ('KMF', '174', 'Comorian Franc', 0),
  ('KPW', '408', 'North Korean Won', 2),
  ('KRW', '410', 'Won', 0),
  ('KWD', '414', 'Kuwaiti Dinar', 3),
  ('KYD', '136', 'Cayman Islands Dollar', 2),
  ('KZT', '398', 'Tenge', 2),
  ('LAK', '418', 'Lao Kip', 2),
  ('LBP', '422', 'Lebanese Pound', 2),
  ('LKR', '144', 'Sri Lanka Rupee', 2),
  ('LRD', '430', 'Liberian Dollar', 2),
  ('LSL', '426', 'Loti', 2),
  ('LYD', '434', 'Libyan Dinar', 3),
  ('MAD', '504', 'Moroccan Dirham', 2),
  ('MDL', '498', 'Moldovan Leu', 2),
  ('MGA', '969', 'Malagasy Ariary', 2),
  ('MKD', '807', 'Denar', 2),
  ('MMK', '104', 'Kyat', 2),
  ('MNT', '496', 'Tugrik', 2),
  ('MOP', '446', 'Pataca', 2),
  ('MRU', '929', 'Ouguiya', 2),
  ('MUR', '480', 'Mauritius Rupee', 2),
  ('MVR', '462', 'Rufiyaa', 2),
  ('MWK', '454', 'Malawi Kwacha', 2),
  ('MXN', '484', 'Mexican Peso', 2),
  ('MXV', '979', 'Mexican Unidad de Inversion (UDI)', 2),
  ('MYR', '458', 'Malaysian Ringgit', 2),
  ('MZN', '943', 'Mozambique Metical', 2),
  ('NAD', '516', 'Namibia Dollar', 2),
  ('NGN', '566', 'Naira', 2),
  ('NIO', '558', 'Cordoba Oro', 2),
  ('NOK', '578', 'Norwegian Krone', 2),
  ('NPR', '524', 'Nepalese Rupee', 2),
  ('NZD', '554', 'New Zealand Dollar', 2),
  ('OMR', '512', 'Rial Omani', 3),
  ('PAB', '590', 'Balboa', 2),
  ('PEN', '604', 'Sol', 2),
  ('PGK', '598', 'Kina', 2),
  ('PHP', '608', 'Philippine Peso', 2),
  ('PKR', '586', 'Pakistan Rupee', 2),
  ('PLN', '985', 'Zloty', 2),
  ('PYG', '600', 'Guarani', 0),
  ('QAR', '634', 'Qatari Rial', 2),
  ('RON', '946', 'Romanian Leu', 2),
  ('RSD', '941', 'Serbian Dinar', 2),
  ('RUB', '643', 'Russian Ruble', 2),
  ('RWF', '646', 'Rwanda Franc', 0),
  ('SAR', '682', 'Saudi Riyal', 2),
  ('SBD', '090', 'Solomon Islands Dollar', 2),
  ('SCR', '690', 'Seychelles Rupee', 2),
  ('SDG', '938', 'Sudanese Pound', 2),
  ('SEK', '752', 'Swedish Krona', 2),
  ('SGD', '702', 'Singapore Dollar', 2),
  ('SHP', '654', 'Saint Helena Pound', 2),
  ('SLE', '925', 'Leone', 2),
  ('SOS', '706', 'Somali Shilling', 2),
  ('SRD', '968', 'Surinam Dollar', 2),
  ('SSP', '728', 'South Sudanese Pound', 2),
  ('STN', '930', 'Dobra', 2),
  ('SVC', '222', 'El Salvador Colon', 2),
  ('SYP', '760', 'Syrian Pound', 2),
  ('SZL', '748', 'Lilangeni', 2),
  ('THB', '764', 'Baht', 2),
  ('TJS', '972', 'Somoni', 2),
  ('TMT', '934', 'Turkmenistan New Manat', 2),
  ('TND', '788', 'Tunisian Dinar', 3),
  ('TOP', '776', 'Pa’anga', 2),
  ('TRY', '949', 'Turkish Lira', 2),
  ('TTD', '780', 'Trinidad and Tobago Dollar', 2),
  ('TWD', '901', 'New Taiwan Dollar', 2),
  ('TZS', '834', 'Tanzanian Shilling', 2),
  ('UAH', '980', 'Hryvnia', 2),
  ('UGX', '800', 'Uganda Shilling', 0),
  ('USD', '840', 'US Dollar', 2),
  ('USN', '997', 'US Dollar (Next day)', 2),
  ('UYI', '940', 'Uruguay Peso en Unidades Indexadas (UI)', 0),
  ('UYU', '858', 'Peso Uruguayo', 2),
  ('UYW', '927', 'Unidad Previsional', 4),
  ('UZS', '860', 'Uzbekistan Sum', 2),
  ('VED', '926', 'Bolívar Soberano', 2),
  ('VES', '928', 'Bolívar Soberano', 2),
  ('VND', '704', 'Dong', 0),
  ('VUV', '548', 'Vatu', 0),
  ('WST', '882', 'Tala', 2),
  ('XAF', '950', 'CFA Franc BEAC', 0),
  ('XAG', '961', 'Silver', null),
  ('XAU', '959', 'Gold', null),
  ('XBA', '955', 'Bond Markets Unit European Composite Unit (EURCO)', null),
  ('XBB', '956', 'Bond Markets Unit European Monetary Unit (E.M.U.-6)', null),
  ('XBC', '957', 'Bond Markets Unit European Unit of Account 9 (E.U.A.-9)', null),
  ('XBD', '958', 'Bond Markets Unit European Unit of Account 17 (E.U.A.-17)', null),
  ('XCD', '951', 'East Caribbean Dollar', 2),
  ('XDR', '960', 'SDR (Special Drawing Right)', null),
  ('XOF', '952', 'CFA Franc BCEAO', 0),
  ('XPD', '964', 'Palladium', null),
  ('XPF', '953', 'CFP Franc', 0),
  ('XPT', '962', 'Platinum', null),
  ('XSU', '994', 'Sucre', null),
  ('XTS', '963', 'Codes specifically reserved for testing purposes', null),
  ('XUA', '965', 'ADB Unit of Account', null),
  ('XXX', '999', 'The codes assigned for transactions where no currency is involved', null),
  ('YER', '886', 'Yemeni Rial', 2),
  ('ZAR', '710', 'Rand', 2),
  ('ZMW', '967', 'Zambian Kwacha', 2),
  ('ZWG', '924', 'Zimbabwe Gold', 2);

-- What an event type posts: data, like the allowlist.
alter table ledger.event_types add column posting text not null default 'none'
  check (posting in ('sale', 'return', 'correction', 'reversal', 'none'));
comment on column ledger.event_types.posting is 'What an arrival of this type posts to the ledger when processed: sale, return, correction, reversal (VOID, CANCEL), or none.';
update ledger.event_types set posting = case event_type when 'SALE' then 'sale' when 'RETURN' then 'return'
  when 'CORRECTION' then 'correction' when 'VOID' then 'reversal' when 'CANCEL' then 'reversal' else 'none' end;

-- Time zones are IANA names PostgreSQL knows, kept as reference data: pg_timezone_names reads the
-- zone files from disk on every call (64 ms a check, paid by every posting that made its store).
create table ledger.time_zones (
  time_zone text primary key
);
comment on table ledger.time_zones is 'IANA time zone names (Europe/Paris, UTC, ...) of the server''s zone data when the ledger was installed: the zones a store or tenant may have. A reference table on Citus.';
insert into ledger.time_zones select distinct name from pg_catalog.pg_timezone_names;

create function ledger_private.is_time_zone(p_name text)
returns boolean
language sql
stable
as $$
  select p_name is not null and exists (select from ledger.time_zones z where z.time_zone = p_name)
$$;
comment on function ledger_private.is_time_zone(text) is 'Whether the text is an IANA time zone name of ledger.time_zones.';

alter table ledger.tenants add column time_zone text not null default 'UTC' references ledger.time_zones;
comment on column ledger.tenants.time_zone is 'The zone a new store of the tenant gets (IANA name).';

create table ledger.stores (
  tenant_id text not null,
  store_id text not null check (store_id <> ''),
  time_zone text not null references ledger.time_zones,
  created_at timestamptz not null default now(),
  first_posting_at timestamptz,
  primary key (tenant_id, store_id)
);
comment on table ledger.stores is 'Stores, made on their first posting with their tenant''s zone (or before, by ledger.set_store_time_zone). A posting lands on the business day its occurred_at falls on in the store''s zone; the zone can change only before the first posting.';
comment on column ledger.stores.time_zone is 'IANA zone of the store''s business days.';
comment on column ledger.stores.first_posting_at is 'When the first posting landed; from then on the zone is fixed.';

-- Silver: one row per posted transaction and version of its key.
create table ledger.ledger_transactions (
  tenant_id text not null,
  posting_id bigint generated always as identity,
  store_id text not null,
  txn_id text not null,
  kind text not null check (kind in ('sale', 'return', 'correction', 'reversal')),
  currency text not null,
  total_amount numeric not null check (total_amount >= 0),
  tax_amount numeric check (tax_amount >= 0),
  discount_amount numeric check (discount_amount >= 0),
  business_date date not null,
  occurred_at timestamptz not null,
  source_system text not null,
  source_event_id text,
  idempotency_key text not null,
  raw_id bigint not null,
  fingerprint bytea not null,
  version integer not null check (version >= 1),
  superseded_by bigint,
  status text not null default 'posted' check (status in ('posted', 'reversed')),
  gold_amount numeric not null,
  posted_at timestamptz not null default now(),
  primary key (tenant_id, posting_id),
  unique (tenant_id, idempotency_key, version)
);
comment on table ledger.ledger_transactions is 'Silver: every posting of a key''s canonical payload, one row per version (a replay that changes the payload supersedes the earlier one). Read-only to every role.';
comment on column ledger.ledger_transactions.posting_id is 'Posting number, increasing.';
comment on column ledger.ledger_transactions.kind is 'sale, return, correction or reversal.';
comment on column ledger.ledger_transactions.total_amount is 'The envelope''s total_amount in major units (a reversal without one: what it reversed).';
comment on column ledger.ledger_transactions.business_date is 'occurred_at in the store''s zone.';
comment on column ledger.ledger_transactions.idempotency_key is 'The key (event_id) whose canonical payload this is.';
comment on column ledger.ledger_transactions.raw_id is 'The Bronze arrival posted (patched by an operator when the key''s canonical payload differs from it).';
comment on column ledger.ledger_transactions.fingerprint is 'Fingerprint of the payload posted: a replay of the same payload changes nothing.';
comment on column ledger.ledger_transactions.version is '1 for the first posting of the key, then one more per superseding replay.';
comment on column ledger.ledger_transactions.superseded_by is 'The posting that replaced this one (0: withdrawn, the key''s payload now posts nothing); null for the current posting of the key.';
comment on column ledger.ledger_transactions.status is 'posted, or reversed (a sale a reversal voided).';
comment on column ledger.ledger_transactions.gold_amount is 'What this posting moved in Gold, signed per kind: sales and returns and reversals their amount, corrections the change they made.';
-- One current posting per key; a transaction (store, txn_id) and a source event are posted by one key at a time.
create unique index ledger_transactions_current_key on ledger.ledger_transactions (tenant_id, idempotency_key) where superseded_by is null;
create unique index ledger_transactions_current_txn on ledger.ledger_transactions (tenant_id, store_id, txn_id) where superseded_by is null;
create unique index ledger_transactions_current_source on ledger.ledger_transactions (tenant_id, source_system, source_event_id)
  where superseded_by is null and source_event_id is not null;
-- Day first: a lookup of one transaction (tenant, store, txn_id) must not take this index for a
-- prefix when the table has no statistics yet (a batch of 1000 sales of one store scanned the store).
create index ledger_transactions_day on ledger.ledger_transactions (tenant_id, business_date, store_id);

create table ledger.ledger_line_items (
  tenant_id text not null,
  posting_id bigint not null,
  line_no integer not null check (line_no >= 1),
  sku text not null,
  qty numeric not null check (qty > 0),
  amount numeric not null check (amount >= 0),
  primary key (tenant_id, posting_id, line_no)
);
comment on table ledger.ledger_line_items is 'Silver: the lines of each posting, in envelope order.';
comment on column ledger.ledger_line_items.qty is 'Quantity (a sale''s sold, a return''s returned, a correction''s corrected).';
comment on column ledger.ledger_line_items.amount is 'Line amount in major units.';

create table ledger.ledger_references (
  tenant_id text not null,
  posting_id bigint not null,
  original_posting_id bigint not null,
  original_store_id text not null,
  original_txn_id text not null,
  primary key (tenant_id, posting_id)
);
comment on table ledger.ledger_references is 'Silver: which sale a return, correction or reversal posting refers to (its current posting when it was posted).';
create index ledger_references_original on ledger.ledger_references (tenant_id, original_store_id, original_txn_id);

-- Gold: daily net sales per store, day and currency, in shards so that concurrent postings to one
-- store and day do not queue on one row (each backend moves its own shard; a read sums them).
create table ledger.daily_sales (
  tenant_id text not null,
  store_id text not null,
  business_date date not null,
  currency text not null,
  shard smallint not null,
  sales_count bigint not null default 0,
  sales_amount numeric not null default 0,
  returns_count bigint not null default 0,
  returns_amount numeric not null default 0,
  corrections_count bigint not null default 0,
  corrections_amount numeric not null default 0,
  reversals_count bigint not null default 0,
  reversals_amount numeric not null default 0,
  primary key (tenant_id, store_id, business_date, currency, shard)
);
comment on table ledger.daily_sales is 'Gold: daily sales of each store and currency, split in shards that concurrent postings move without waiting on each other; ledger.get_daily_sales sums them. Always equal to an aggregate of Silver (ledger.reconcile proves it).';
comment on column ledger.daily_sales.corrections_amount is 'Signed: what corrections changed.';

-- Closed business days: a posting onto one is quarantined LATE_EVENT_OUTSIDE_WINDOW.
create table ledger.business_days (
  tenant_id text not null,
  store_id text not null default '',
  business_date date not null,
  closed_at timestamptz not null default now(),
  closed_by text not null,
  notes text not null check (btrim(notes) <> ''),
  primary key (tenant_id, store_id, business_date)
);
comment on table ledger.business_days is 'Closed business days of a store (store_id '''' for every store of the tenant).';

-- An exception held for MISSING_REFERENCE waits on the sale it names; the sale's posting heals it.
alter table ledger.exceptions add column waits_for_store_id text, add column waits_for_txn_id text;
comment on column ledger.exceptions.waits_for_store_id is 'MISSING_REFERENCE: the store of the sale it waits on.';
comment on column ledger.exceptions.waits_for_txn_id is 'MISSING_REFERENCE: the txn_id of the sale it waits on.';
create index exceptions_waiting on ledger.exceptions (tenant_id, waits_for_store_id, waits_for_txn_id) where status = 'open' and waits_for_txn_id is not null;
alter table ledger.exceptions drop constraint exceptions_resolution_action_check;
alter table ledger.exceptions add constraint exceptions_resolution_action_check
  check (resolution_action in ('mark_resolved_no_replay', 'override_and_replay', 'auto_replay'));

alter table ledger_private.tenant_counters add column postings bigint not null default 0;

-- What a set-based call moves in Gold and in the counters, kept until the end of the call and then
-- applied once per row: a batch that moved one row per posting updated it a thousand times in one
-- transaction, and each update then walked every earlier version of the row (a batch of 1000
-- sales took 10 s). Rows of one transaction (xid), deleted by it before it commits; unlogged, as
-- a crash ends every transaction that wrote any.
create unlogged table ledger_private.deferred_gold (
  xid xid8 not null,
  tenant_id text not null,
  store_id text not null,
  business_date date not null,
  currency text not null,
  kind text not null,
  count integer not null,
  amount numeric not null
);
create unlogged table ledger_private.deferred_counters (
  xid xid8 not null,
  tenant_id text not null,
  events_raw integer not null, rejections integer not null, exceptions_open integer not null, processed integer not null,
  quarantined integer not null, ignored integer not null, postings integer not null
);
comment on table ledger_private.deferred_gold is 'Gold moves of a set-based call in progress (its transaction''s xid), applied at its end by ledger_private.apply_deferred.';
comment on table ledger_private.deferred_counters is 'Counter moves of a set-based call in progress (its transaction''s xid), applied at its end by ledger_private.apply_deferred.';
drop function if exists ledger_private.bump_counters(text, integer, integer, integer, integer, integer, integer);
-- Step 1 of a set-based ingest now also returns the first arrivals that post.
drop function if exists ledger_private.take_new_keys(jsonb[], text[], text[], uuid[], jsonb[]);

insert into ledger.reason_codes (reason_code, kind, http_status, description) values
  ('SCHEMA_VALIDATION_FAILED', 'quarantine', 202, 'A posting field is missing or mistyped: an unknown currency, more decimals than the currency has, a negative amount, a quantity not above zero (details.errors).'),
  ('DUPLICATE_TRANSACTION', 'quarantine', 202, 'Another key already posted this store''s txn_id.'),
  ('DUPLICATE_SOURCE_EVENT_ID', 'quarantine', 202, 'Another key already posted this source_system''s source_event_id.'),
  ('TOTALS_MISMATCH', 'quarantine', 202, 'The lines plus tax minus discount do not make the total (or a reversal''s total is not what is left of the original).'),
  ('MISSING_REFERENCE', 'quarantine', 202, 'The original sale is not posted (yet): held until it posts, then replayed automatically.'),
  ('CURRENCY_MISMATCH', 'quarantine', 202, 'The original sale is in another currency.'),
  ('ORIGINAL_REVERSED', 'quarantine', 202, 'The original sale was voided or cancelled.'),
  ('CANNOT_EXCEED_ORIGINAL', 'quarantine', 202, 'More returned than was sold (per sku or in total, as corrected, net of earlier returns), a correction below what was already returned, or a reversal of nothing left.'),
  ('LATE_EVENT_OUTSIDE_WINDOW', 'quarantine', 202, 'The posting''s business day is closed.');

-- Reads: operators and read-only everything; producers their own tenant (row-level security, as
-- for Bronze, policies made beside ledger_private.bound_tenant in db/functions/010-context.sql).
grant select on ledger.currencies, ledger.time_zones to ledger_readonly, ledger_ingest;
grant select on ledger.stores, ledger.ledger_transactions, ledger.ledger_line_items, ledger.ledger_references, ledger.daily_sales,
  ledger.business_days to ledger_readonly, ledger_ingest;
alter table ledger.stores enable row level security;
alter table ledger.ledger_transactions enable row level security;
alter table ledger.ledger_line_items enable row level security;
alter table ledger.ledger_references enable row level security;
alter table ledger.daily_sales enable row level security;
alter table ledger.business_days enable row level security;
create policy read_all on ledger.stores for select to ledger_readonly using (true);
create policy read_all on ledger.ledger_transactions for select to ledger_readonly using (true);
create policy read_all on ledger.ledger_line_items for select to ledger_readonly using (true);
create policy read_all on ledger.ledger_references for select to ledger_readonly using (true);
create policy read_all on ledger.daily_sales for select to ledger_readonly using (true);
create policy read_all on ledger.business_days for select to ledger_readonly using (true);

-- migrate:down
drop table ledger.business_days;
drop table ledger.daily_sales;
drop table ledger.ledger_references;
drop table ledger.ledger_line_items;
drop table ledger.ledger_transactions;
drop table ledger.stores;
alter table ledger.tenants drop column time_zone;
drop function ledger_private.is_time_zone(text);
drop table ledger.time_zones;
alter table ledger.event_types drop column posting;
drop table ledger.currencies;
drop table ledger_private.deferred_counters;
drop table ledger_private.deferred_gold;
alter table ledger_private.tenant_counters drop column postings;
drop index ledger.exceptions_waiting;
alter table ledger.exceptions drop column waits_for_txn_id, drop column waits_for_store_id;
delete from ledger.reason_codes where reason_code in ('SCHEMA_VALIDATION_FAILED', 'DUPLICATE_TRANSACTION', 'DUPLICATE_SOURCE_EVENT_ID',
  'TOTALS_MISMATCH', 'MISSING_REFERENCE', 'CURRENCY_MISMATCH', 'ORIGINAL_REVERSED', 'CANNOT_EXCEED_ORIGINAL', 'LATE_EVENT_OUTSIDE_WINDOW');
