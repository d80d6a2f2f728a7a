-- Long-tail PostgreSQL features a production database really has (issue 12), in two schemas:
-- NOT NULL and DEFERRABLE foreign-key cycles, special values (infinity, BC dates, NaN),
-- composite types, domains and enums in dependency order, arrays of enums, a domain over an
-- array, hstore, json, citext, shared / standalone / identity sequences, foreign keys declared on
-- partitions, range types that follow the row's dates, LIST / RANGE / HASH partitions with and
-- without DEFAULT, views, a materialized view, row-level security, comments, external keys.
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE SCHEMA app;
SELECT setseed(0.17);

-- user types: the composite uses a domain, the domain is over an array of the enum
CREATE TYPE app.priority AS ENUM ('low', 'normal', 'high', 'urgent');
CREATE DOMAIN app.zip_code AS text CHECK (VALUE ~ '^[0-9]{5}$');
CREATE TYPE app.address AS (street text, city text, zip app.zip_code);
CREATE DOMAIN app.priorities AS app.priority[] CHECK (cardinality(VALUE) BETWEEN 1 AND 3);
COMMENT ON TYPE app.address IS 'a postal address';

-- sequences: one shared by two tables and owned by none, one standalone, one no column uses
CREATE SEQUENCE app.doc_no_seq START 5000 INCREMENT 10;
CREATE SEQUENCE ticket_seq;
CREATE SEQUENCE app.unused_seq START 42;

-- a NOT NULL foreign-key cycle, not deferrable: every department has a manager, every employee a department
CREATE TABLE app.department (
    department_id serial PRIMARY KEY,
    name citext NOT NULL UNIQUE,
    manager_id integer NOT NULL UNIQUE,
    budget numeric(12,2) NOT NULL CHECK (budget > 0)
);
COMMENT ON TABLE app.department IS 'departments; each has one manager';
COMMENT ON COLUMN app.department.budget IS 'yearly budget in EUR';
INSERT INTO app.department (name, manager_id, budget)
SELECT 'Department ' || g, 100 + (g - 1) * 25, round((50000 + random() * 900000)::numeric, 2) FROM generate_series(1, 12) g;

CREATE TABLE app.employee (
    employee_id integer GENERATED ALWAYS AS IDENTITY (START WITH 100) PRIMARY KEY,
    department_id integer NOT NULL,
    full_name text NOT NULL,
    home app.address,
    skills text[] NOT NULL,
    on_call app.priorities,
    hired_on date NOT NULL,
    salary numeric(10,2) NOT NULL
);
INSERT INTO app.employee (department_id, full_name, home, skills, on_call, hired_on, salary)
SELECT 1 + (g - 1) / 25,
       (ARRAY['Ann', 'Bob', 'Cleo', 'Dev', 'Eve', 'Finn'])[1 + g % 6] || ' ' || (ARRAY['Stone', 'River', 'Hill', 'Moss'])[1 + g % 4] || ' ' || g,
       CASE WHEN g % 10 <> 0 THEN ROW((g * 7) || ' ' || (ARRAY['Main St', 'Oak Ave', 'Elm Rd'])[1 + g % 3],
                                      (ARRAY['Springfield', 'Riverton', 'Lakeside', 'Hillview'])[1 + g % 4],
                                      lpad((10000 + g * 37)::text, 5, '0'))::app.address END,
       (ARRAY['sql', 'python', 'go', 'excel', 'java', 'k8s'])[1 + g % 4:1 + g % 4 + g % 3],
       CASE WHEN g % 4 <> 0 THEN (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 3:1 + g % 3 + g % 2]::app.priority[] END,
       date '2012-01-01' + (random() * 4000)::int,
       round((30000 + random() * 90000)::numeric, 2)
FROM generate_series(1, 300) g;
ALTER TABLE app.department ADD CONSTRAINT department_manager_fk FOREIGN KEY (manager_id) REFERENCES app.employee;
ALTER TABLE app.employee ADD CONSTRAINT employee_department_fk FOREIGN KEY (department_id) REFERENCES app.department;
CREATE INDEX employee_name_trgm ON app.employee USING gin (full_name gin_trgm_ops);
ALTER TABLE app.employee ENABLE ROW LEVEL SECURITY;
CREATE POLICY employee_visible ON app.employee FOR SELECT USING (salary < 1000000);

-- a DEFERRABLE cycle of NOT NULL foreign keys
CREATE TABLE app.project (
    project_id integer PRIMARY KEY,
    lead_member_id integer NOT NULL,
    title text NOT NULL,
    started_on date NOT NULL
);
CREATE TABLE app.member (
    member_id integer PRIMARY KEY,
    project_id integer NOT NULL REFERENCES app.project DEFERRABLE INITIALLY DEFERRED,
    employee_id integer NOT NULL REFERENCES app.employee,
    role app.priority NOT NULL
);
ALTER TABLE app.project ADD CONSTRAINT project_lead_fk FOREIGN KEY (lead_member_id) REFERENCES app.member DEFERRABLE INITIALLY DEFERRED;
INSERT INTO app.project SELECT g, 1 + (g - 1) * 4, 'Project ' || g, date '2020-01-01' + g * 11 FROM generate_series(1, 40) g;
INSERT INTO app.member SELECT g, 1 + (g - 1) / 4, 100 + (g * 13) % 300, (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4]::app.priority
FROM generate_series(1, 160) g;

-- an SCD2 dimension: the current version of each customer is valid to 'infinity'; first_seen holds
-- '-infinity' and BC dates; customer_id is the key of another system (an external key)
CREATE TABLE app.customer_dim (
    customer_key serial PRIMARY KEY,
    customer_id integer NOT NULL,
    segment text NOT NULL,
    valid_from timestamp NOT NULL,
    valid_to timestamp NOT NULL DEFAULT 'infinity',
    is_current boolean NOT NULL,
    first_seen date,
    CONSTRAINT customer_dim_valid CHECK (valid_to > valid_from)
);
INSERT INTO app.customer_dim (customer_id, segment, valid_from, valid_to, is_current, first_seen)
SELECT c, (ARRAY['retail', 'smb', 'enterprise'])[1 + (c + v) % 3],
       timestamp '2018-01-01' + (v * 300 + c % 200) * interval '1 day' + c * interval '7 minutes',
       CASE WHEN v = n THEN 'infinity'::timestamp ELSE timestamp '2018-01-01' + ((v + 1) * 300 + c % 200) * interval '1 day' + c * interval '7 minutes' END,
       v = n,
       CASE WHEN c % 20 = 0 THEN '-infinity'::date WHEN c % 20 = 1 THEN make_date(-(100 + c), 1 + c % 12, 1)
            WHEN c % 20 = 2 THEN NULL ELSE date '2010-01-01' + c * 9 END
FROM (SELECT c, 1 + c % 3 AS n FROM generate_series(1, 250) c) s, generate_series(1, 3) v WHERE v <= n;

-- a date dimension: a unique date, and a sentinel date pandas cannot hold (9999-12-31)
CREATE TABLE app.dim_date (
    date_key integer PRIMARY KEY,
    full_date date NOT NULL UNIQUE,
    weekday text NOT NULL,
    is_holiday boolean NOT NULL,
    retired_on date NOT NULL DEFAULT '9999-12-31'
);
INSERT INTO app.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d, to_char(d, 'Dy'), extract(dow FROM d) = 0,
       CASE WHEN extract(doy FROM d)::int % 5 = 0 THEN d + 400 ELSE date '9999-12-31' END
FROM (SELECT date '2022-01-01' + g AS d FROM generate_series(0, 399) g) days;

-- sensor readings: NaN and +-Infinity, hstore and jsonb with key sets, a tsrange that follows taken_at,
-- an external uuid key, a standalone sequence default
CREATE TABLE measurement (
    measurement_id integer PRIMARY KEY DEFAULT nextval('ticket_seq'),
    sensor_ref uuid NOT NULL,
    taken_at timestamp NOT NULL,
    reading double precision NOT NULL,
    ratio numeric(8,3),
    attrs hstore NOT NULL,
    payload jsonb NOT NULL,
    span tsrange NOT NULL,
    levels app.priority[] NOT NULL
);
INSERT INTO measurement (sensor_ref, taken_at, reading, ratio, attrs, payload, span, levels)
SELECT md5('sensor' || g % 40)::uuid, t,
       CASE WHEN g % 10 = 0 THEN 'NaN'::float8 WHEN g % 20 = 1 THEN 'Infinity' WHEN g % 33 = 2 THEN '-Infinity' ELSE 20 + random() * 10 END,
       CASE WHEN g % 8 = 0 THEN 'NaN'::numeric WHEN g % 8 = 1 THEN NULL ELSE round((random() * 2)::numeric, 3) END,
       CASE WHEN g % 3 = 0 THEN hstore(ARRAY['unit', 'site'], ARRAY['C', 'site' || g % 4])
            ELSE hstore(ARRAY['unit', 'site', 'calibrated'], ARRAY['F', 'site' || g % 4, (g % 2 = 0)::text]) END,
       CASE WHEN g % 2 = 0 THEN jsonb_build_object('ok', g % 5 <> 0, 'level', g % 7, 'source', 'probe')
            ELSE jsonb_build_object('ok', true, 'note', 'batch ' || g % 3) END,
       tsrange(t - interval '1 minute', t + (2 + g % 4) * interval '1 minute'),
       (ARRAY['low', 'normal', 'high', 'urgent'])[1 + g % 4:1 + g % 4 + g % 2]::app.priority[]
FROM (SELECT g, timestamp '2024-03-01' + g * interval '7 minutes' + random() * interval '3 minutes' AS t FROM generate_series(1, 800) g) s;

-- documents numbered from one sequence shared by two tables
CREATE TABLE app.invoice (
    doc_no bigint PRIMARY KEY DEFAULT nextval('app.doc_no_seq'),
    customer_key integer NOT NULL REFERENCES app.customer_dim,
    amount numeric(10,2) NOT NULL
);
CREATE TABLE app.credit_note (
    doc_no bigint PRIMARY KEY DEFAULT nextval('app.doc_no_seq'),
    invoice_no bigint NOT NULL REFERENCES app.invoice,
    amount numeric(10,2) NOT NULL
);
INSERT INTO app.invoice (customer_key, amount) SELECT 1 + g % 500, round((10 + random() * 990)::numeric, 2) FROM generate_series(1, 300) g;
INSERT INTO app.credit_note (invoice_no, amount) SELECT doc_no, round(amount / 2, 2) FROM app.invoice WHERE doc_no % 7 = 0;

-- orders, and order lines LIST-partitioned by region without DEFAULT; the partitions (not the parent)
-- carry the foreign keys; a line's customer is always its order's customer
CREATE TABLE app.orders (
    order_id bigint PRIMARY KEY,
    customer_key integer NOT NULL REFERENCES app.customer_dim,
    region text NOT NULL,
    placed_at timestamp NOT NULL,
    total numeric(10,2) NOT NULL
);
INSERT INTO app.orders
SELECT g, 1 + (g * 7) % 500, CASE WHEN g % 10 < 5 THEN 'eu' WHEN g % 10 < 7 THEN 'us' WHEN g % 10 < 8 THEN 'ca' WHEN g % 10 < 9 THEN 'jp' ELSE 'au' END,
       timestamp '2023-01-01' + g * interval '9 hours' + random() * interval '5 hours', round((5 + random() * 500)::numeric, 2)
FROM generate_series(1, 700) g;
CREATE TABLE app.order_line (
    region text NOT NULL,
    order_id bigint NOT NULL,
    line_no integer NOT NULL,
    customer_key integer NOT NULL,
    qty integer NOT NULL CHECK (qty > 0),
    PRIMARY KEY (region, order_id, line_no)
) PARTITION BY LIST (region);
CREATE TABLE app.order_line_eu PARTITION OF app.order_line FOR VALUES IN ('eu');
CREATE TABLE app.order_line_na PARTITION OF app.order_line FOR VALUES IN ('us', 'ca');
CREATE TABLE app.order_line_apac PARTITION OF app.order_line FOR VALUES IN ('jp', 'au', 'sg');
ALTER TABLE app.order_line_eu ADD CONSTRAINT order_line_eu_order_fk FOREIGN KEY (order_id) REFERENCES app.orders;
ALTER TABLE app.order_line_na ADD CONSTRAINT order_line_na_order_fk FOREIGN KEY (order_id) REFERENCES app.orders;
ALTER TABLE app.order_line_apac ADD CONSTRAINT order_line_apac_order_fk FOREIGN KEY (order_id) REFERENCES app.orders;
ALTER TABLE app.order_line_eu ADD CONSTRAINT order_line_eu_customer_fk FOREIGN KEY (customer_key) REFERENCES app.customer_dim;
ALTER TABLE app.order_line_na ADD CONSTRAINT order_line_na_customer_fk FOREIGN KEY (customer_key) REFERENCES app.customer_dim;
ALTER TABLE app.order_line_apac ADD CONSTRAINT order_line_apac_customer_fk FOREIGN KEY (customer_key) REFERENCES app.customer_dim;
INSERT INTO app.order_line SELECT o.region, o.order_id, l, o.customer_key, 1 + (o.order_id * l) % 9
FROM app.orders o, generate_series(1, 3) l WHERE (o.order_id + l) % 3 <> 0;

-- LIST with DEFAULT; RANGE without DEFAULT (no partition for 2023: the data has a gap); RANGE with
-- DEFAULT; HASH (which cannot have a DEFAULT)
CREATE TABLE app.event (
    event_id bigint NOT NULL,
    kind text NOT NULL,
    user_id bigint NOT NULL,
    happened_at timestamp NOT NULL,
    PRIMARY KEY (kind, event_id)
) PARTITION BY LIST (kind);
CREATE TABLE app.event_click PARTITION OF app.event FOR VALUES IN ('click');
CREATE TABLE app.event_view PARTITION OF app.event FOR VALUES IN ('view');
CREATE TABLE app.event_other PARTITION OF app.event DEFAULT;
INSERT INTO app.event SELECT g, CASE WHEN g % 20 < 8 THEN 'click' WHEN g % 20 < 15 THEN 'view' WHEN g % 20 < 18 THEN 'purchase' ELSE 'signup' END,
       1 + (g * 31) % 97, timestamp '2024-01-01' + g * interval '13 minutes' + random() * interval '10 minutes'
FROM generate_series(1, 1000) g;

CREATE TABLE app.reading_log (
    logged_on date NOT NULL,
    reading_id integer NOT NULL,
    value numeric(6,2) NOT NULL,
    PRIMARY KEY (logged_on, reading_id)
) PARTITION BY RANGE (logged_on);
CREATE TABLE app.reading_log_2022 PARTITION OF app.reading_log FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE TABLE app.reading_log_2024 PARTITION OF app.reading_log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO app.reading_log SELECT CASE WHEN g % 10 < 3 THEN date '2022-01-01' + (g * 7) % 365 ELSE date '2024-01-01' + (g * 11) % 365 END,
       g, round((random() * 100)::numeric, 2) FROM generate_series(1, 600) g;

CREATE TABLE app.audit_entry (
    entry_id bigint NOT NULL,
    at timestamptz NOT NULL,
    action text NOT NULL,
    PRIMARY KEY (entry_id, at)
) PARTITION BY RANGE (at);
CREATE TABLE app.audit_entry_h1 PARTITION OF app.audit_entry FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-07-01 00:00+00');
CREATE TABLE app.audit_entry_h2 PARTITION OF app.audit_entry FOR VALUES FROM ('2024-07-01 00:00+00') TO ('2025-01-01 00:00+00');
CREATE TABLE app.audit_entry_rest PARTITION OF app.audit_entry DEFAULT;
INSERT INTO app.audit_entry SELECT g, CASE WHEN g % 10 < 4 THEN timestamptz '2024-01-01 00:00+00' + (g % 170) * interval '1 day'
                                          WHEN g % 10 < 8 THEN timestamptz '2024-07-01 00:00+00' + (g % 170) * interval '1 day'
                                          ELSE timestamptz '2025-02-01 00:00+00' + (g % 300) * interval '1 day' END
       + random() * interval '20 hours', (ARRAY['create', 'update', 'delete'])[1 + g % 3] FROM generate_series(1, 500) g;

CREATE TABLE app.session (
    session_id uuid NOT NULL PRIMARY KEY,
    user_id bigint NOT NULL,
    started_at timestamp NOT NULL
) PARTITION BY HASH (session_id);
CREATE TABLE app.session_0 PARTITION OF app.session FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE app.session_1 PARTITION OF app.session FOR VALUES WITH (MODULUS 3, REMAINDER 1);
CREATE TABLE app.session_2 PARTITION OF app.session FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO app.session SELECT md5('s' || g)::uuid, 1 + (g * 17) % 97, timestamp '2024-01-01' + g * interval '1 hour' + random() * interval '50 minutes'
FROM generate_series(1, 450) g;

-- a film catalogue: a domain with a non-ASCII name, a tsvector kept by a built-in trigger function, an
-- aggregate of the schema's own (its view is re-created after it); airports with a point and jsonb names
CREATE DOMAIN "bıgınt" AS bigint;
CREATE TYPE app.floatrange AS RANGE (SUBTYPE = float8, SUBTYPE_DIFF = float8mi);
CREATE TABLE app.film (
    film_id serial PRIMARY KEY,
    title text NOT NULL,
    description text,
    views "bıgınt" NOT NULL,
    special_features text[],
    rating_band app.floatrange,
    fulltext tsvector NOT NULL
);
CREATE TRIGGER film_fulltext BEFORE INSERT OR UPDATE ON app.film
    FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(fulltext, 'pg_catalog.english', title, description);
INSERT INTO app.film (title, description, views, special_features, rating_band)
SELECT 'Film ' || g, 'A story of ' || (ARRAY['love', 'war', 'robots', 'the sea'])[1 + g % 4] || ' number ' || g, (random() * 100000)::bigint,
       (ARRAY['Trailers', 'Commentaries', 'Deleted Scenes', 'Behind the Scenes'])[1 + g % 4:1 + g % 4 + g % 3],
       app.floatrange((g % 50) / 10.0, (g % 50) / 10.0 + 0.5 + random())
FROM generate_series(1, 200) g;
CREATE FUNCTION app._concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce($1 || ', ', '') || $2 $$;
CREATE AGGREGATE app.concat_all(text) (SFUNC = app._concat, STYPE = text);
CREATE VIEW app.film_titles AS SELECT app.concat_all(title ORDER BY title) AS titles FROM app.film;
CREATE TABLE app.airport (
    code char(3) PRIMARY KEY,
    name jsonb NOT NULL,
    coordinates point NOT NULL,
    timezone text NOT NULL
);
INSERT INTO app.airport
SELECT chr(65 + g % 26) || chr(65 + (g / 26) % 26) || chr(65 + g % 7), jsonb_build_object('en', 'Airport ' || g, 'ru', 'Аэропорт ' || g),
       point(30 + (g % 40) + random(), 20 + (g % 90) + random()), (ARRAY['Europe/Moscow', 'Asia/Yekaterinburg', 'Asia/Novosibirsk'])[1 + g % 3]
FROM generate_series(1, 104) g;

-- views (one on another, one with an option), a materialized view with an index, row-level security
CREATE VIEW app.current_customer AS SELECT customer_key, customer_id, segment FROM app.customer_dim WHERE valid_to = 'infinity';
COMMENT ON VIEW app.current_customer IS 'the current version of every customer';
CREATE VIEW app.department_size AS
    SELECT d.name, count(*) AS employees FROM app.department d JOIN app.employee e USING (department_id) GROUP BY d.name;
CREATE VIEW app.big_department WITH (security_barrier) AS SELECT name FROM app.department_size WHERE employees > 10;
CREATE MATERIALIZED VIEW app.region_total AS SELECT region, count(*) AS orders, sum(total) AS total FROM app.orders GROUP BY region;
CREATE UNIQUE INDEX region_total_region ON app.region_total (region);
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.orders FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_region ON app.orders FOR SELECT USING (region = current_setting('app.region', true));
CREATE POLICY orders_positive ON app.orders AS RESTRICTIVE FOR INSERT WITH CHECK (total >= 0);
ANALYZE;
