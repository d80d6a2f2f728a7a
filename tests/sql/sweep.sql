-- Sweep of schema features beyond features.sql and longtail.sql (what Rails, Django and Hasura apps produce),
-- in two schemas (public, inv): see tests/test_sweep.py.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA inv;
SELECT setseed(0.23);

CREATE DOMAIN us_postal AS text NOT NULL CHECK (VALUE ~ '^[0-9]{5}$');
CREATE DOMAIN percent AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TYPE plan_tier AS ENUM ('free', 'pro', 'team', 'enterprise', 'legacy');

-- Django-style users: uuid PK with a function default, case-insensitive unique e-mail (expression index),
-- regex and function CHECKs, NOT NULL domain, enum with a value never used, defaults calling functions
CREATE TABLE account (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email ~ '^[^@]+@[^@]+$'),
    country_code char(2) NOT NULL CHECK (char_length(country_code) = 2),
    currency text NOT NULL CHECK (currency IN ('EUR', 'USD', 'GBP')),
    zip us_postal,
    tier plan_tier NOT NULL DEFAULT 'free',
    discount percent,
    is_active boolean NOT NULL DEFAULT true,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    nickname text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX account_email_lower ON account (lower(email));
CREATE UNIQUE INDEX account_active_nickname ON account (country_code, currency) WHERE is_active AND deleted_at IS NULL AND country_code = 'ZZ';
CREATE INDEX account_created_brin ON account USING brin (created_at);
INSERT INTO account (id, email, country_code, currency, zip, tier, discount, is_active, deleted_at, created_at)
SELECT md5('acct' || g)::uuid, 'user' || g || '@example.' || (ARRAY['com', 'org', 'net'])[1 + g % 3],
       (ARRAY['US', 'DE', 'FR', 'GB'])[1 + g % 4], (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3], lpad((g * 97 % 99999)::text, 5, '0'),
       (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + g % 4]::plan_tier, CASE WHEN g % 3 = 0 THEN round((random() * 99.99)::numeric, 2) END,
       g % 9 <> 0, CASE WHEN g % 9 = 0 THEN timestamptz '2024-01-01 00:00+00' + g * interval '1 hour' END,
       (timestamptz '2023-01-01 00:00+00' + g * interval '17 hours') AT TIME ZONE (ARRAY['UTC', 'America/New_York', 'Asia/Tokyo'])[1 + g % 3] AT TIME ZONE 'UTC'
FROM generate_series(1, 300) g;

-- a profile keyed by account, referencing a UNIQUE (not PK) column; ON DELETE CASCADE
CREATE TABLE handle (
    handle_id bigserial PRIMARY KEY,
    handle text NOT NULL UNIQUE,
    account_id uuid NOT NULL REFERENCES account ON DELETE CASCADE
);
INSERT INTO handle (handle, account_id) SELECT 'h' || g, md5('acct' || g)::uuid FROM generate_series(1, 250) g;
CREATE TABLE mention (
    mention_id serial PRIMARY KEY,
    handle text REFERENCES handle (handle) ON UPDATE CASCADE ON DELETE SET NULL,
    body text NOT NULL,
    posted_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO mention (handle, body, posted_at)
SELECT CASE WHEN g % 7 <> 0 THEN 'h' || (1 + g % 250) END, 'hello @h' || g, timestamptz '2024-02-01 00:00+00' + g * interval '23 minutes'
FROM generate_series(1, 400) g;

-- a pure link table with no primary key (Rails has_and_belongs_to_many), unique over nullable columns
CREATE TABLE tag (id serial PRIMARY KEY, name varchar(40) NOT NULL, slug varchar(40), UNIQUE (slug));
INSERT INTO tag (name, slug) SELECT 'Tag ' || g, CASE WHEN g % 5 <> 0 THEN 'tag-' || g END FROM generate_series(1, 60) g;
CREATE TABLE mentions_tags (
    mention_id integer NOT NULL REFERENCES mention ON DELETE CASCADE,
    tag_id integer NOT NULL REFERENCES tag ON DELETE CASCADE
);
CREATE INDEX mentions_tags_mention ON mentions_tags (mention_id);
INSERT INTO mentions_tags SELECT 1 + g % 400, 1 + (g * 7) % 60 FROM generate_series(1, 500) g;

-- a heap with no key at all (log table), exotic scalar types
CREATE TABLE device_log (
    logged_at timestamp NOT NULL,
    mac macaddr,
    mac8 macaddr8,
    net cidr,
    host inet,
    flags bit(8) NOT NULL,
    mask varbit(16),
    price money,
    kind "char" NOT NULL,
    code char(4) NOT NULL,
    small smallint NOT NULL,
    ratio numeric,
    tight numeric(5,2) NOT NULL,
    obj oid,
    doc xml,
    words tsvector,
    at_time time NOT NULL,
    at_timetz timetz,
    took interval,
    raw bytea
);
INSERT INTO device_log
SELECT timestamp '2024-01-01' + g * interval '5 minutes',
       ('08:00:2b:01:02:' || lpad(to_hex(g % 256), 2, '0'))::macaddr,
       ('08:00:2b:01:02:03:04:' || lpad(to_hex(g % 256), 2, '0'))::macaddr8,
       ('10.' || g % 200 || '.0.0/16')::cidr, ('192.168.' || g % 250 || '.' || 1 + g % 200)::inet,
       (g % 256)::bit(8), (g % 4096)::bit(12)::varbit, (random() * 1000)::numeric::money,
       (ARRAY['a', 'b', 'c'])[1 + g % 3]::"char", 'C' || lpad((g % 100)::text, 2, '0'),
       32767 - g % 50, round((random() * 1e6)::numeric, (g % 5)), round((999 - random() * 5)::numeric, 2),
       (1000 + g % 10)::oid, ('<item n="' || g || '"><name>thing ' || g || '</name></item>')::xml,
       to_tsvector('english', 'device number ' || g || ' reported ' || (ARRAY['error', 'warning', 'info'])[1 + g % 3]),
       time '08:00' + g * interval '3 minutes', (time '08:00' + g * interval '3 minutes')::timetz,
       g * interval '17 seconds', decode(md5('raw' || g), 'hex')
FROM generate_series(1, 400) g;

-- generated columns depending on other columns, identity ALWAYS, 2-D int arrays, text[] with NULLs, nested jsonb
CREATE TABLE invoice_line (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    qty integer NOT NULL CHECK (qty > 0),
    unit_price numeric(10,2) NOT NULL CHECK (unit_price >= 0),
    tax_rate numeric(4,3) NOT NULL DEFAULT 0.2,
    net numeric(12,2) GENERATED ALWAYS AS (qty * unit_price) STORED,
    gross numeric(12,2) GENERATED ALWAYS AS (round(qty * unit_price * (1 + tax_rate), 2)) STORED,
    grid integer[][],
    notes text[],
    meta jsonb NOT NULL DEFAULT '{}'::jsonb
);
INSERT INTO invoice_line (qty, unit_price, tax_rate, grid, notes, meta)
SELECT 1 + g % 12, round((1 + random() * 300)::numeric, 2), (ARRAY[0.0, 0.07, 0.2])[1 + g % 3],
       ARRAY[[g % 5, g % 7], [g % 3, g % 11]], ARRAY['n' || g % 4, NULL, 'm' || g % 2],
       jsonb_build_object('source', (ARRAY['web', 'pos', 'api'])[1 + g % 3], 'customer', jsonb_build_object('tier', g % 3, 'tags', jsonb_build_array('a', 'b')),
                          'lines', jsonb_build_array(jsonb_build_object('sku', 'S' || g % 40, 'n', g % 4)))
FROM generate_series(1, 350) g;

-- a composite self-reference (folder tree keyed by (tenant, id)), MATCH FULL FK
CREATE TABLE folder (
    tenant_id integer NOT NULL,
    folder_id integer NOT NULL,
    parent_tenant integer,
    parent_id integer,
    name text NOT NULL,
    PRIMARY KEY (tenant_id, folder_id),
    FOREIGN KEY (parent_tenant, parent_id) REFERENCES folder (tenant_id, folder_id) MATCH FULL ON DELETE CASCADE
);
INSERT INTO folder SELECT 1 + g % 4, g, CASE WHEN g > 4 THEN 1 + g % 4 END, CASE WHEN g > 4 THEN g - 4 END, 'folder ' || g
FROM generate_series(1, 200) g;

-- one CHECK naming exactly one of two, dates and ranges with CHECKs
CREATE TABLE attachment (
    id serial PRIMARY KEY,
    folder_tenant integer NOT NULL,
    folder_id integer NOT NULL,
    url text,
    blob_key uuid,
    valid daterange NOT NULL CHECK (lower(valid) < upper(valid)),
    start_date date NOT NULL,
    end_date date,
    FOREIGN KEY (folder_tenant, folder_id) REFERENCES folder,
    CONSTRAINT attachment_one_source CHECK (num_nonnulls(url, blob_key) = 1),
    CONSTRAINT attachment_dates CHECK (end_date IS NULL OR start_date < end_date)
);
INSERT INTO attachment (folder_tenant, folder_id, url, blob_key, valid, start_date, end_date)
SELECT 1 + (1 + g * 7 % 200) % 4, 1 + g * 7 % 200, CASE WHEN g % 3 = 0 THEN 'https://files.example.com/' || g END,
       CASE WHEN g % 3 <> 0 THEN md5('b' || g)::uuid END, daterange(date '2024-01-01' + g, date '2024-01-01' + g + 1 + g % 30),
       date '2023-01-01' + g, CASE WHEN g % 2 = 0 THEN date '2023-01-01' + g + 1 + g % 90 END
FROM generate_series(1, 200) g;

-- the same table name in two schemas, an FK across them; quoted mixed-case names
CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL);
CREATE TABLE inv.items (id serial PRIMARY KEY, public_item integer NOT NULL REFERENCES public.items, stock integer NOT NULL CHECK (stock >= 0));
INSERT INTO items (label) SELECT 'item ' || g FROM generate_series(1, 120) g;
INSERT INTO inv.items (public_item, stock) SELECT 1 + g % 120, g % 37 FROM generate_series(1, 240) g;
CREATE TABLE inv."OrderHeader" ("OrderID" serial PRIMARY KEY, "CustomerName" text NOT NULL, "PlacedAt" timestamp NOT NULL);
CREATE TABLE inv."OrderDetail" ("OrderID" integer NOT NULL REFERENCES inv."OrderHeader", "ItemID" integer NOT NULL REFERENCES inv.items,
                                "Qty" integer NOT NULL, PRIMARY KEY ("OrderID", "ItemID"));
INSERT INTO inv."OrderHeader" ("CustomerName", "PlacedAt") SELECT 'Customer ' || g % 50, timestamp '2024-01-01' + g * interval '3 hours' FROM generate_series(1, 150) g;
INSERT INTO inv."OrderDetail" SELECT 1 + g % 150, 1 + (g * 13) % 240, 1 + g % 5 FROM generate_series(1, 300) g ON CONFLICT DO NOTHING;

-- empty table, one-row table (settings singleton), all-empty NOT NULL text
CREATE TABLE pending_job (id serial PRIMARY KEY, payload jsonb NOT NULL, run_at timestamptz NOT NULL);
CREATE TABLE site_setting (id integer PRIMARY KEY CHECK (id = 1), site_name text NOT NULL, maintenance boolean NOT NULL);
INSERT INTO site_setting VALUES (1, 'Example', false);
COMMENT ON COLUMN site_setting.site_name IS 'shown in the header';

-- a wide table (120 columns)
CREATE TABLE wide_report (
    id serial PRIMARY KEY,
    c001 text,
    c002 numeric(8,2),
    c003 integer,
    c004 text,
    c005 numeric(8,2),
    c006 integer,
    c007 text,
    c008 numeric(8,2),
    c009 integer,
    c010 text,
    c011 numeric(8,2),
    c012 integer,
    c013 text,
    c014 numeric(8,2),
    c015 integer,
    c016 text,
    c017 numeric(8,2),
    c018 integer,
    c019 text,
    c020 numeric(8,2),
    c021 integer,
    c022 text,
    c023 numeric(8,2),
    c024 integer,
    c025 text,
    c026 numeric(8,2),
    c027 integer,
    c028 text,
    c029 numeric(8,2),
    c030 integer,
    c031 text,
    c032 numeric(8,2),
    c033 integer,
    c034 text,
    c035 numeric(8,2),
    c036 integer,
    c037 text,
    c038 numeric(8,2),
    c039 integer,
    c040 text,
    c041 numeric(8,2),
    c042 integer,
    c043 text,
    c044 numeric(8,2),
    c045 integer,
    c046 text,
    c047 numeric(8,2),
    c048 integer,
    c049 text,
    c050 numeric(8,2),
    c051 integer,
    c052 text,
    c053 numeric(8,2),
    c054 integer,
    c055 text,
    c056 numeric(8,2),
    c057 integer,
    c058 text,
    c059 numeric(8,2),
    c060 integer,
    c061 text,
    c062 numeric(8,2),
    c063 integer,
    c064 text,
    c065 numeric(8,2),
    c066 integer,
    c067 text,
    c068 numeric(8,2),
    c069 integer,
    c070 text,
    c071 numeric(8,2),
    c072 integer,
    c073 text,
    c074 numeric(8,2),
    c075 integer,
    c076 text,
    c077 numeric(8,2),
    c078 integer,
    c079 text,
    c080 numeric(8,2),
    c081 integer,
    c082 text,
    c083 numeric(8,2),
    c084 integer,
    c085 text,
    c086 numeric(8,2),
    c087 integer,
    c088 text,
    c089 numeric(8,2),
    c090 integer,
    c091 text,
    c092 numeric(8,2),
    c093 integer,
    c094 text,
    c095 numeric(8,2),
    c096 integer,
    c097 text,
    c098 numeric(8,2),
    c099 integer,
    c100 text,
    c101 numeric(8,2),
    c102 integer,
    c103 text,
    c104 numeric(8,2),
    c105 integer,
    c106 text,
    c107 numeric(8,2),
    c108 integer,
    c109 text,
    c110 numeric(8,2),
    c111 integer,
    c112 text,
    c113 numeric(8,2),
    c114 integer,
    c115 text,
    c116 numeric(8,2),
    c117 integer,
    c118 text,
    c119 numeric(8,2),
    c120 integer
);
INSERT INTO wide_report (c001, c002, c003, c004, c005, c006, c007, c008, c009, c010, c011, c012, c013, c014, c015, c016, c017, c018, c019, c020, c021, c022, c023, c024, c025, c026, c027, c028, c029, c030, c031, c032, c033, c034, c035, c036, c037, c038, c039, c040, c041, c042, c043, c044, c045, c046, c047, c048, c049, c050, c051, c052, c053, c054, c055, c056, c057, c058, c059, c060, c061, c062, c063, c064, c065, c066, c067, c068, c069, c070, c071, c072, c073, c074, c075, c076, c077, c078, c079, c080, c081, c082, c083, c084, c085, c086, c087, c088, c089, c090, c091, c092, c093, c094, c095, c096, c097, c098, c099, c100, c101, c102, c103, c104, c105, c106, c107, c108, c109, c110, c111, c112, c113, c114, c115, c116, c117, c118, c119, c120) SELECT 'v' || (g % 2), round((random()*1000)::numeric, 2), g * 3, 'v' || (g % 5), round((random()*1000)::numeric, 2), g * 6, 'v' || (g % 8), round((random()*1000)::numeric, 2), g * 9, 'v' || (g % 11), round((random()*1000)::numeric, 2), g * 12, 'v' || (g % 14), round((random()*1000)::numeric, 2), g * 15, 'v' || (g % 17), round((random()*1000)::numeric, 2), g * 18, 'v' || (g % 20), round((random()*1000)::numeric, 2), g * 21, 'v' || (g % 23), round((random()*1000)::numeric, 2), g * 24, 'v' || (g % 26), round((random()*1000)::numeric, 2), g * 27, 'v' || (g % 29), round((random()*1000)::numeric, 2), g * 30, 'v' || (g % 32), round((random()*1000)::numeric, 2), g * 33, 'v' || (g % 35), round((random()*1000)::numeric, 2), g * 36, 'v' || (g % 38), round((random()*1000)::numeric, 2), g * 39, 'v' || (g % 41), round((random()*1000)::numeric, 2), g * 42, 'v' || (g % 44), round((random()*1000)::numeric, 2), g * 45, 'v' || (g % 47), round((random()*1000)::numeric, 2), g * 48, 'v' || (g % 50), round((random()*1000)::numeric, 2), g * 51, 'v' || (g % 53), round((random()*1000)::numeric, 2), g * 54, 'v' || (g % 56), round((random()*1000)::numeric, 2), g * 57, 'v' || (g % 59), round((random()*1000)::numeric, 2), g * 60, 'v' || (g % 62), round((random()*1000)::numeric, 2), g * 63, 'v' || (g % 65), round((random()*1000)::numeric, 2), g * 66, 'v' || (g % 68), round((random()*1000)::numeric, 2), g * 69, 'v' || (g % 71), round((random()*1000)::numeric, 2), g * 72, 'v' || (g % 74), round((random()*1000)::numeric, 2), g * 75, 'v' || (g % 77), round((random()*1000)::numeric, 2), g * 78, 'v' || (g % 80), round((random()*1000)::numeric, 2), g * 81, 'v' || (g % 83), round((random()*1000)::numeric, 2), g * 84, 'v' || (g % 86), round((random()*1000)::numeric, 2), g * 87, 'v' || (g % 89), round((random()*1000)::numeric, 2), g * 90, 'v' || (g % 92), round((random()*1000)::numeric, 2), g * 93, 'v' || (g % 95), round((random()*1000)::numeric, 2), g * 96, 'v' || (g % 98), round((random()*1000)::numeric, 2), g * 99, 'v' || (g % 101), round((random()*1000)::numeric, 2), g * 102, 'v' || (g % 104), round((random()*1000)::numeric, 2), g * 105, 'v' || (g % 107), round((random()*1000)::numeric, 2), g * 108, 'v' || (g % 110), round((random()*1000)::numeric, 2), g * 111, 'v' || (g % 113), round((random()*1000)::numeric, 2), g * 114, 'v' || (g % 116), round((random()*1000)::numeric, 2), g * 117, 'v' || (g % 119), round((random()*1000)::numeric, 2), g * 120 FROM generate_series(1, 150) g;
-- Rails bookkeeping: a table whose only column is its key, a key/value table
CREATE TABLE schema_migrations (version varchar NOT NULL PRIMARY KEY);
INSERT INTO schema_migrations SELECT to_char(timestamp '2020-01-01' + g * interval '9 days', 'YYYYMMDDHH24MISS') FROM generate_series(1, 120) g;
CREATE TABLE ar_internal_metadata (key varchar NOT NULL PRIMARY KEY, value varchar, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
INSERT INTO ar_internal_metadata VALUES ('environment', 'production', '2020-01-01', '2020-01-01'), ('schema_sha1', 'abc', '2020-01-01', '2020-01-01');

-- reserved words and spaces in names, COLLATE "C", NULLS NOT DISTINCT, deferrable unique, INCLUDE index
CREATE TABLE "user" (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    "from" text COLLATE "C" NOT NULL,
    "Display Name" varchar NOT NULL,
    "order" integer NOT NULL,
    external_ref text,
    team text,
    memo text NOT NULL DEFAULT '',
    bio text,
    CONSTRAINT user_order_key UNIQUE ("order") DEFERRABLE INITIALLY IMMEDIATE,
    CONSTRAINT user_ref_team UNIQUE NULLS NOT DISTINCT (external_ref, team)
);
CREATE INDEX user_from_incl ON "user" ("from") INCLUDE ("order");
CREATE INDEX user_lower_name ON "user" (lower("Display Name")) WHERE team IS NOT NULL;
INSERT INTO "user" ("from", "Display Name", "order", external_ref, team, bio)
SELECT (ARRAY['web', 'ios', 'android'])[1 + g % 3], 'Name ' || g, g * 3, CASE WHEN g > 3 THEN 'ext-' || g END, (ARRAY['red', 'blue', NULL])[1 + g % 3],
       CASE g % 5 WHEN 0 THEN E'line one\nline two' WHEN 1 THEN E'tab\there' WHEN 2 THEN E'back\\slash' WHEN 3 THEN 'emoji 🎉 ünïcödé' END
FROM generate_series(1, 300) g;

-- an FK onto a column with a unique index only (no constraint); audit trigger writing another table
CREATE TABLE api_key (id serial PRIMARY KEY, token text NOT NULL, owner_id bigint NOT NULL REFERENCES "user");
CREATE UNIQUE INDEX api_key_token ON api_key (token);
INSERT INTO api_key (token, owner_id) SELECT md5('tok' || g), 1 + g % 300 FROM generate_series(1, 200) g;
CREATE TABLE audit_log (id bigserial PRIMARY KEY, table_name text NOT NULL, row_id bigint NOT NULL, action text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION audit_api_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (table_name, row_id, action) VALUES (TG_TABLE_NAME, NEW.id, TG_OP);
    RETURN NEW;
END $$;
CREATE TABLE api_call (id bigserial PRIMARY KEY, token text NOT NULL REFERENCES api_key (token), called_at timestamptz NOT NULL, status smallint NOT NULL CHECK (status BETWEEN 100 AND 599));
CREATE TRIGGER api_call_audit AFTER INSERT ON api_call FOR EACH ROW EXECUTE FUNCTION audit_api_call();
INSERT INTO api_call (token, called_at, status) SELECT md5('tok' || (1 + g % 200)), timestamptz '2024-05-01 00:00+00' + g * interval '7 minutes', (ARRAY[200, 201, 404, 500])[1 + g % 4] FROM generate_series(1, 400) g;
-- Hasura: updated_at kept by a trigger
CREATE FUNCTION set_current_timestamp_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE TABLE note (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author_id bigint REFERENCES "user" ON DELETE SET NULL,
    title text NOT NULL CHECK (title = btrim(title) AND title <> ''),
    slug text NOT NULL GENERATED ALWAYS AS (lower(replace(title, ' ', '-'))) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    recipients uuid[],
    history jsonb
);
CREATE TRIGGER set_note_updated_at BEFORE UPDATE ON note FOR EACH ROW EXECUTE FUNCTION set_current_timestamp_updated_at();
INSERT INTO note (author_id, title, created_at, updated_at, recipients, history)
SELECT CASE WHEN g % 6 <> 0 THEN 1 + g % 300 END, 'Note about ' || (ARRAY['budget', 'roadmap', 'hiring'])[1 + g % 3] || ' ' || g,
       timestamptz '2024-03-01 00:00+00' + g * interval '2 hours', timestamptz '2024-03-01 00:00+00' + g * interval '2 hours' + interval '30 minutes',
       ARRAY[md5('r' || g)::uuid, md5('s' || g)::uuid], jsonb_build_array(jsonb_build_object('v', 1), jsonb_build_object('v', 2, 'by', g % 7))
FROM generate_series(1, 300) g;

-- table inheritance (INHERITS), an unlogged table, sequences counting down and cycling, a domain over a domain
CREATE DOMAIN short_code AS varchar(8) CHECK (VALUE ~ '^[A-Z]+$');
CREATE DOMAIN country AS short_code NOT NULL CHECK (length(VALUE) = 2);
CREATE SEQUENCE countdown_seq INCREMENT -1 MINVALUE 1 MAXVALUE 100000 START 100000;
CREATE SEQUENCE ring_seq MAXVALUE 1000 CYCLE;
CREATE TABLE vehicle (id integer PRIMARY KEY DEFAULT nextval('countdown_seq'), country country, plate text NOT NULL, built smallint NOT NULL);
CREATE TABLE truck (payload_kg integer NOT NULL CHECK (payload_kg > 0)) INHERITS (vehicle);
INSERT INTO vehicle (country, plate, built) SELECT (ARRAY['DE', 'FR', 'NL'])[1 + g % 3], 'P-' || g, 1990 + g % 30 FROM generate_series(1, 150) g;
INSERT INTO truck (country, plate, built, payload_kg) SELECT (ARRAY['DE', 'PL'])[1 + g % 2], 'T-' || g, 2000 + g % 20, 1000 + g * 50 FROM generate_series(1, 120) g;
CREATE UNLOGGED TABLE cache_entry (key text PRIMARY KEY, value jsonb NOT NULL, slot integer NOT NULL DEFAULT nextval('ring_seq'));
INSERT INTO cache_entry (key, value) SELECT 'k' || g, jsonb_build_object('hits', g % 13) FROM generate_series(1, 150) g;
-- an issue tracker: enum labels with spaces and quotes, a case-insensitive unique name, a hex colour checked by a
-- regular expression, a partial unique index over a nullable FK, bigint near its limit, real, tiny doubles,
-- interval day to second, timestamp(3), arrays of booleans, dates, numeric(5,2) and varchar(4)
CREATE TYPE task_state AS ENUM ('to do', 'in progress', 'won''t do', 'done');
CREATE TABLE label (id serial PRIMARY KEY, name text NOT NULL, color char(7) NOT NULL CHECK (color ~ '^#[0-9a-f]{6}$'));
CREATE UNIQUE INDEX label_name_ci ON label (lower(name));
INSERT INTO label (name, color) SELECT (ARRAY['Bug', 'Feature', 'Chore', 'Docs', 'Ops', 'Design', 'Infra', 'Perf', 'Sec', 'UX'])[1 + g % 10] || ' ' || (g / 10), '#' || lpad(to_hex(g * 99991 % 16777216), 6, '0') FROM generate_series(1, 180) g;
CREATE TABLE task (
    id bigserial PRIMARY KEY,
    state task_state NOT NULL DEFAULT 'to do',
    reporter_id bigint NOT NULL REFERENCES "user",
    assignee_id bigint REFERENCES "user" ON DELETE SET NULL,
    label_id integer REFERENCES label,
    tweet_ref bigint,
    big_counter bigint NOT NULL,
    score real,
    tiny double precision,
    due date DEFAULT CURRENT_DATE,
    estimate interval day to second,
    stamp timestamp(3),
    flags boolean[] NOT NULL DEFAULT '{}',
    dates date[],
    amounts numeric(5,2)[],
    codes varchar(4)[],
    done boolean NOT NULL DEFAULT false,
    CONSTRAINT task_not_self CHECK (assignee_id IS NULL OR assignee_id <> reporter_id),
    CONSTRAINT task_big CHECK (big_counter > 0)
);
CREATE UNIQUE INDEX task_one_open_per_label ON task (label_id) WHERE state = 'in progress';
INSERT INTO task (state, reporter_id, assignee_id, label_id, tweet_ref, big_counter, score, tiny, due, estimate, stamp, flags, dates, amounts, codes, done)
SELECT (ARRAY['to do', 'done', 'won''t do', 'to do'])[1 + g % 4]::task_state, 1 + g % 300, CASE WHEN g % 3 = 0 THEN 1 + (g + 7) % 300 END,
       CASE WHEN g % 5 <> 0 THEN 1 + g % 180 END, 1400000000000000000 + g * 98765432101, 9223372036854775000 - g * 3,
       (random() * 5)::real, random() * 1e-300, date '2024-01-01' + g % 200, (g % 20) * interval '1 hour' + (g % 60) * interval '1 second',
       timestamp '2024-01-01' + g * interval '1 minute 1.234 seconds', ARRAY[g % 2 = 0, g % 3 = 0], ARRAY[date '2024-01-01' + g, date '2024-02-01' + g],
       ARRAY[round((999 - random())::numeric, 2), 1.5], ARRAY['AB' || g % 10, 'CD'], g % 4 = 1
FROM generate_series(1, 400) g;
UPDATE task SET state = 'in progress' WHERE id IN (SELECT min(id) FROM task WHERE label_id IS NOT NULL GROUP BY label_id LIMIT 60);
-- two FKs to one parent, a composite FK with one nullable column (MATCH SIMPLE)
CREATE TABLE message (
    id bigserial PRIMARY KEY,
    sender_id bigint NOT NULL REFERENCES "user",
    recipient_id bigint NOT NULL REFERENCES "user",
    folder_tenant integer,
    folder_id integer,
    sent_at timestamptz NOT NULL,
    body text NOT NULL,
    FOREIGN KEY (folder_tenant, folder_id) REFERENCES folder
);
INSERT INTO message (sender_id, recipient_id, folder_tenant, folder_id, sent_at, body)
SELECT 1 + g % 300, 1 + (g * 7) % 300, CASE WHEN g % 2 = 0 THEN 1 + (1 + g % 200) % 4 END, 1 + g % 200,
       timestamptz '2024-06-01 00:00+02' + g * interval '13 minutes', 'Hi there, message number ' || g || ' about the ' || (ARRAY['plan', 'trip', 'bill'])[1 + g % 3]
FROM generate_series(1, 350) g;
-- Stripe-style text keys with a prefix, checked by a pattern; an ISO-code key; CR/LF, tabs, quotes, long text, unicode JSON
CREATE TABLE customers (
    id text PRIMARY KEY CHECK (id ~ '^cus_[A-Za-z0-9]{14}$'),
    "Full Name" text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (updated_at >= created_at)
);
INSERT INTO customers SELECT 'cus_' || substr(md5('c' || g), 1, 14), 'Person ' || g, timestamptz '2023-01-01 00:00+00' + g * interval '5 hours', timestamptz '2023-01-01 00:00+00' + g * interval '5 hours' + (g % 30) * interval '1 day' FROM generate_series(1, 250) g;
CREATE TABLE currencies (code char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'), name text NOT NULL);
INSERT INTO currencies VALUES ('EUR', 'Euro'), ('USD', 'US Dollar'), ('GBP', 'Pound'), ('JPY', 'Yen');
CREATE TABLE invoices (
    id text PRIMARY KEY CHECK (id LIKE 'in\_%'),
    customer_id text NOT NULL REFERENCES customers,
    currency char(3) NOT NULL REFERENCES currencies,
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    memo text,
    raw jsonb
);
INSERT INTO invoices SELECT 'in_' || substr(md5('i' || g), 1, 20), 'cus_' || substr(md5('c' || (1 + g % 250)), 1, 14), (ARRAY['EUR', 'USD', 'GBP'])[1 + g % 3],
  (random() * 100000)::bigint, CASE g % 4 WHEN 0 THEN E'multi\r\nline\ttab' WHEN 1 THEN repeat('long text ', 1000) WHEN 2 THEN 'quote '' and "dq" and \\ backslash' END,
  jsonb_build_object('desc', 'caf\u00e9 \u2603 ' || g, 'nested', jsonb_build_object('a', jsonb_build_array(1, 'x', null, true)))
FROM generate_series(1, 400) g;
-- multi-tenant: a slug unique per organisation whatever its case (a unique index mixing a column and an expression)
CREATE TABLE org (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO org (name) SELECT 'Org ' || g FROM generate_series(1, 40) g;
CREATE TABLE workspace (id serial PRIMARY KEY, org_id integer NOT NULL REFERENCES org, slug text NOT NULL, seats integer NOT NULL);
CREATE UNIQUE INDEX workspace_org_slug ON workspace (org_id, lower(slug));
INSERT INTO workspace (org_id, slug, seats)
SELECT 1 + g % 40, CASE WHEN g % 2 = 0 THEN initcap(w) ELSE w END, 1 + g % 25
FROM (SELECT g, (ARRAY['sales', 'ops', 'eng', 'design', 'legal', 'hr', 'data', 'support', 'infra', 'qa'])[1 + (g / 40) % 10] AS w FROM generate_series(0, 399) g) s;
ANALYZE;
