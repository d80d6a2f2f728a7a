-- An Odoo-style ERP core (schema erp), written for this test at a few thousand rows; no real data.
-- What real Odoo databases have: NOT NULL foreign-key cycles (a company's partner, a partner's company, a user's
-- partner and company), create_uid / write_uid audit columns into res_users on every table (res_users and
-- res_company included), translatable names stored as jsonb {"en_US": ..., "fr_FR": ...}, sale orders whose
-- amounts are the sums of their lines, sequence names 'SO00042', a state varchar with a CHECK list, many2many
-- relation tables with composite primary keys, a parent_id hierarchy with its parent_path '1/4/9/', a partial
-- unique index. Foreign keys are added after the rows and CHECKs on IN lists written, as pg_dump writes them
-- (PostgreSQL deparses IN (...) on a varchar into a text that it deparses differently once re-read).
-- Rows come from generate_series with hashint4() as a deterministic pseudo-random draw, so every rule holds on
-- every row: amount_untaxed = sum(price_subtotal), amount_tax = sum(price_tax), amount_total = untaxed + tax,
-- price_subtotal = round(qty * price_unit * (1 - discount / 100), 2), parent_path agrees with parent_id,
-- date_order <= commitment_date, create_date <= write_date.

CREATE SCHEMA erp;

CREATE TABLE erp.res_currency (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    symbol varchar NOT NULL,
    rounding numeric NOT NULL,
    decimal_places integer NOT NULL,
    active boolean NOT NULL DEFAULT true,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT res_currency_unique_name UNIQUE (name),
    CONSTRAINT res_currency_rounding_gt_zero CHECK (rounding > 0)
);

CREATE TABLE erp.res_partner (
    id serial PRIMARY KEY,
    name varchar,
    company_id integer,
    parent_id integer,
    ref varchar,
    lang varchar,
    email varchar,
    phone varchar,
    street varchar,
    city varchar,
    zip varchar,
    is_company boolean DEFAULT false,
    active boolean DEFAULT true,
    customer_rank integer DEFAULT 0,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT res_partner_check_name CHECK (type = 'contact' AND name IS NOT NULL OR type <> 'contact'),
    type varchar DEFAULT 'contact'
);

CREATE TABLE erp.res_company (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    partner_id integer NOT NULL,
    currency_id integer NOT NULL,
    parent_id integer,
    sequence integer,
    email varchar,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT res_company_name_uniq UNIQUE (name)
);

CREATE TABLE erp.res_users (
    id serial PRIMARY KEY,
    login varchar NOT NULL,
    password varchar,
    partner_id integer NOT NULL,
    company_id integer NOT NULL,
    active boolean DEFAULT true,
    share boolean,
    signature text,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT res_users_login_key UNIQUE (login)
);

CREATE TABLE erp.res_company_users_rel (
    cid integer NOT NULL,
    user_id integer NOT NULL,
    PRIMARY KEY (cid, user_id)
);

CREATE TABLE erp.uom_uom (
    id serial PRIMARY KEY,
    name jsonb NOT NULL,
    factor numeric NOT NULL,
    rounding numeric NOT NULL,
    uom_type varchar NOT NULL,
    active boolean DEFAULT true,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT uom_uom_factor_gt_zero CHECK (factor <> 0),
    CONSTRAINT uom_uom_rounding_gt_zero CHECK (rounding > 0)
);

CREATE TABLE erp.product_category (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    complete_name varchar,
    parent_id integer,
    parent_path varchar,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone
);
CREATE INDEX product_category_parent_path_index ON erp.product_category USING btree (parent_path);

CREATE TABLE erp.product_template (
    id serial PRIMARY KEY,
    name jsonb NOT NULL,
    description_sale jsonb,
    default_code varchar,
    type varchar NOT NULL,
    categ_id integer NOT NULL,
    uom_id integer NOT NULL,
    company_id integer,
    list_price numeric,
    sale_ok boolean DEFAULT true,
    active boolean DEFAULT true,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT product_template_type_check CHECK (((type)::text = ANY (ARRAY[('consu'::character varying)::text, ('service'::character varying)::text, ('product'::character varying)::text])))
);

CREATE TABLE erp.product_product (
    id serial PRIMARY KEY,
    product_tmpl_id integer NOT NULL,
    default_code varchar,
    barcode varchar,
    active boolean DEFAULT true,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone
);
CREATE UNIQUE INDEX product_product_barcode_uniq ON erp.product_product (barcode) WHERE active AND barcode IS NOT NULL;

CREATE TABLE erp.crm_tag (
    id serial PRIMARY KEY,
    name jsonb NOT NULL,
    color integer,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone
);

CREATE TABLE erp.sale_order (
    id serial PRIMARY KEY,
    name varchar NOT NULL,
    state varchar,
    company_id integer NOT NULL,
    partner_id integer NOT NULL,
    partner_invoice_id integer NOT NULL,
    partner_shipping_id integer NOT NULL,
    user_id integer,
    currency_id integer,
    client_order_ref varchar,
    date_order timestamp without time zone NOT NULL,
    commitment_date timestamp without time zone,
    validity_date date,
    amount_untaxed numeric(16,2),
    amount_tax numeric(16,2),
    amount_total numeric(16,2),
    note text,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT sale_order_state_check CHECK (((state)::text = ANY (ARRAY[('draft'::character varying)::text, ('sent'::character varying)::text, ('sale'::character varying)::text, ('done'::character varying)::text, ('cancel'::character varying)::text]))),
    CONSTRAINT sale_order_date_order_conditional_required CHECK ((((state)::text <> ALL (ARRAY[('sale'::character varying)::text, ('done'::character varying)::text])) OR (date_order IS NOT NULL)))
);
CREATE UNIQUE INDEX sale_order_name_company_uniq ON erp.sale_order (name);
CREATE INDEX sale_order_date_order_id_idx ON erp.sale_order (date_order DESC, id DESC);

CREATE TABLE erp.sale_order_line (
    id serial PRIMARY KEY,
    order_id integer NOT NULL,
    sequence integer,
    name text NOT NULL,
    product_id integer,
    product_uom integer,
    product_uom_qty numeric NOT NULL,
    price_unit numeric NOT NULL,
    discount numeric,
    price_subtotal numeric(16,2),
    price_tax double precision,
    price_total numeric(16,2),
    company_id integer,
    currency_id integer,
    create_uid integer, write_uid integer,
    create_date timestamp without time zone, write_date timestamp without time zone,
    CONSTRAINT sale_order_line_accountable_required_fields CHECK (product_id IS NOT NULL AND product_uom IS NOT NULL)
);

CREATE TABLE erp.sale_order_tag_rel (
    order_id integer NOT NULL,
    tag_id integer NOT NULL,
    PRIMARY KEY (order_id, tag_id)
);
CREATE INDEX sale_order_tag_rel_tag_id_order_id_idx ON erp.sale_order_tag_rel (tag_id, order_id);

-- ---------------------------------------------------------------- rows
INSERT INTO erp.res_currency (name, symbol, rounding, decimal_places, active, create_uid, write_uid, create_date, write_date) VALUES
    ('EUR', '€', 0.01, 2, true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('USD', '$', 0.01, 2, true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('CHF', 'CHF', 0.01, 2, true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('JPY', '¥', 1, 0, false, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('GBP', '£', 0.01, 2, false, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00');

-- 3 companies: partners 1..3; 40 users: partners 4..43 (user 1 is the system user, 2 the administrator);
-- customers: partners 44..900, a third of them contacts of a customer company.
INSERT INTO erp.res_partner (name, company_id, parent_id, ref, lang, email, phone, street, city, zip, is_company, active,
                             customer_rank, create_uid, write_uid, create_date, write_date, type)
SELECT CASE WHEN i <= 3 THEN (ARRAY['Northwind Trading', 'Blue Heron Tools', 'Quartz Office Supply'])[i]
            ELSE (ARRAY['Ada', 'Basil', 'Cora', 'Dario', 'Elin', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Lior'])[1 + mod(abs(hashint4(i * 10 + 1)), 12)]
                 || ' ' || (ARRAY['Marsh', 'Vale', 'Thorne', 'Quill', 'Brook', 'Ashby', 'Fenwick', 'Holt', 'Lark', 'Pryce'])[1 + mod(abs(hashint4(i * 10 + 2)), 10)]
                 || CASE WHEN i > 43 AND mod(i, 3) = 0 THEN ' SARL' ELSE '' END END,
       CASE WHEN i <= 43 THEN 1 + mod(i, 3) END,
       CASE WHEN i > 43 AND mod(i, 3) = 1 AND i > 50 THEN i - 1 - mod(i - 1, 3) END,
       CASE WHEN mod(i, 3) = 0 AND i > 43 THEN 'C' || lpad(i::text, 5, '0') END,
       (ARRAY['en_US', 'fr_FR', 'fr_FR', 'en_US', 'de_DE'])[1 + mod(abs(hashint4(i * 10 + 3)), 5)],
       'partner' || i || '@example.com',
       '+33 6 ' || lpad(mod(abs(hashint4(i * 10 + 4)), 100000000)::text, 8, '0'),
       (1 + mod(abs(hashint4(i * 10 + 5)), 120)) || ' rue ' || (ARRAY['des Lilas', 'Victor Hugo', 'du Port', 'de la Gare', 'Pasteur'])[1 + mod(abs(hashint4(i * 10 + 6)), 5)],
       (ARRAY['Lyon', 'Nantes', 'Lille', 'Rennes', 'Dijon', 'Brussels', 'Geneva'])[1 + mod(abs(hashint4(i * 10 + 7)), 7)],
       lpad((1000 + mod(abs(hashint4(i * 10 + 8)), 89000))::text, 5, '0'),
       i <= 3 OR (i > 43 AND mod(i, 3) = 0),
       mod(abs(hashint4(i * 10 + 9)), 25) <> 0,
       CASE WHEN i > 43 THEN 1 + mod(abs(hashint4(i * 10 + 9)), 6) ELSE 0 END,
       CASE WHEN i <= 43 THEN 1 ELSE 2 + mod(abs(hashint4(i * 11)), 8) END,
       CASE WHEN i <= 43 THEN 1 ELSE 2 + mod(abs(hashint4(i * 13)), 8) END,
       timestamp '2022-01-03 09:00' + (i * interval '97 minutes'),
       timestamp '2022-01-03 09:00' + (i * interval '97 minutes') + mod(abs(hashint4(i * 17)), 400) * interval '1 day',
       CASE WHEN i > 43 AND mod(i, 3) = 1 AND i > 50 THEN (ARRAY['contact', 'invoice', 'delivery'])[1 + mod(i, 7) % 3] ELSE 'contact' END
FROM generate_series(1, 900) AS i;

INSERT INTO erp.res_company (name, partner_id, currency_id, parent_id, sequence, email, create_uid, write_uid, create_date, write_date)
SELECT p.name, p.id, 1 + mod(p.id, 3), CASE WHEN p.id > 1 THEN 1 END, 10 * p.id, p.email, 1, 1, p.create_date, p.create_date
FROM erp.res_partner p WHERE p.id <= 3 ORDER BY p.id;

INSERT INTO erp.res_users (login, password, partner_id, company_id, active, share, signature, create_uid, write_uid, create_date, write_date)
SELECT CASE WHEN u = 1 THEN '__system__' WHEN u = 2 THEN 'admin' ELSE 'user' || u || '@example.com' END,
       '$pbkdf2-sha512$600000$' || md5('salt' || u) || '$' || md5('hash' || u),
       u + 3, 1 + mod(u + 3, 3), u <> 1 AND mod(u, 13) <> 0, u > 30, '<p>--<br/>' || p.name || '</p>',
       CASE WHEN u = 1 THEN 1 ELSE 1 + (u > 5)::int END, CASE WHEN u <= 2 THEN 1 ELSE 2 END,
       p.create_date, p.write_date
FROM generate_series(1, 40) AS u JOIN erp.res_partner p ON p.id = u + 3;

INSERT INTO erp.res_company_users_rel (cid, user_id)
SELECT DISTINCT c, u FROM generate_series(1, 40) AS u, generate_series(1, 3) AS c
WHERE c = 1 + mod(u + 3, 3) OR u <= 2 OR mod(abs(hashint4(u * 7 + c)), 4) = 0;

INSERT INTO erp.uom_uom (name, factor, rounding, uom_type, active, create_uid, write_uid, create_date, write_date) VALUES
    ('{"en_US": "Units", "fr_FR": "Unités"}', 1, 0.01, 'reference', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('{"en_US": "Dozens", "fr_FR": "Douzaines"}', 0.08333333, 0.01, 'bigger', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('{"en_US": "kg", "fr_FR": "kg"}', 1, 0.001, 'reference', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('{"en_US": "Hours", "fr_FR": "Heures"}', 8, 0.01, 'smaller', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('{"en_US": "Days", "fr_FR": "Jours"}', 1, 0.01, 'reference', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00'),
    ('{"en_US": "Liters", "fr_FR": "Litres"}', 1, 0.01, 'reference', true, 1, 1, '2022-01-03 09:00', '2022-01-03 09:00');

-- categories: 1 'All', 2..6 under 1, 7..40 under 2..6, 41..60 under 7..40 (three levels below the root)
INSERT INTO erp.product_category (id, name, parent_id, create_uid, write_uid, create_date, write_date)
SELECT c, CASE WHEN c = 1 THEN 'All' ELSE (ARRAY['Office', 'Furniture', 'Services', 'Tools', 'Paper', 'Storage', 'Lighting', 'Cables',
                                                  'Chairs', 'Desks', 'Training', 'Repair'])[1 + mod(abs(hashint4(c * 3)), 12)] || ' ' || c END,
       CASE WHEN c = 1 THEN NULL WHEN c <= 6 THEN 1 WHEN c <= 40 THEN 2 + mod(c, 5) ELSE 7 + mod(abs(hashint4(c)), 34) END,
       1, 2, timestamp '2022-01-04 10:00' + c * interval '1 hour', timestamp '2022-01-04 10:00' + c * interval '1 hour'
FROM generate_series(1, 60) AS c;
SELECT setval('erp.product_category_id_seq', 60);
WITH RECURSIVE tree AS (
    SELECT id, id::text || '/' AS path, name::text AS full_name FROM erp.product_category WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.path || c.id || '/', t.full_name || ' / ' || c.name FROM erp.product_category c JOIN tree t ON c.parent_id = t.id)
UPDATE erp.product_category c SET parent_path = t.path, complete_name = t.full_name FROM tree t WHERE t.id = c.id;

INSERT INTO erp.product_template (name, description_sale, default_code, type, categ_id, uom_id, company_id, list_price, sale_ok, active,
                                  create_uid, write_uid, create_date, write_date)
SELECT jsonb_build_object('en_US', e.adj || ' ' || e.noun, 'fr_FR', f.noun || ' ' || f.adj),
       CASE WHEN mod(t, 4) <> 0 THEN jsonb_build_object('en_US', 'A ' || lower(e.adj) || ' ' || lower(e.noun) || ' for everyday use.',
                                                         'fr_FR', 'Un ' || lower(f.noun) || ' ' || lower(f.adj) || ' pour tous les jours.') END,
       'FURN_' || lpad(t::text, 4, '0'),
       (ARRAY['consu', 'service', 'product', 'product'])[1 + mod(abs(hashint4(t * 5)), 4)],
       2 + mod(abs(hashint4(t * 7)), 59),
       1 + mod(abs(hashint4(t * 11)), 6),
       CASE WHEN mod(t, 5) = 0 THEN 1 + mod(t, 3) END,
       round((5 + mod(abs(hashint4(t * 13)), 2000) + mod(abs(hashint4(t * 17)), 100) / 100.0)::numeric, 2),
       mod(t, 17) <> 0, mod(t, 23) <> 0,
       2 + mod(abs(hashint4(t * 19)), 8), 2 + mod(abs(hashint4(t * 23)), 8),
       timestamp '2022-02-01 08:00' + t * interval '5 hours',
       timestamp '2022-02-01 08:00' + t * interval '5 hours' + mod(abs(hashint4(t * 29)), 300) * interval '1 day'
FROM generate_series(1, 250) AS t
CROSS JOIN LATERAL (SELECT (ARRAY['Large', 'Small', 'Blue', 'Oak', 'Steel', 'Ergonomic', 'Compact', 'Deluxe'])[1 + mod(abs(hashint4(t * 31)), 8)] AS adj,
                           (ARRAY['Desk', 'Chair', 'Cabinet', 'Lamp', 'Shelf', 'Drawer', 'Table', 'Stool', 'Cable'])[1 + mod(abs(hashint4(t * 37)), 9)] AS noun) e
CROSS JOIN LATERAL (SELECT (ARRAY['Grand', 'Petit', 'Bleu', 'Chêne', 'Acier', 'Ergonomique', 'Compact', 'Luxe'])[1 + mod(abs(hashint4(t * 31)), 8)] AS adj,
                           (ARRAY['Bureau', 'Chaise', 'Armoire', 'Lampe', 'Étagère', 'Tiroir', 'Table', 'Tabouret', 'Câble'])[1 + mod(abs(hashint4(t * 37)), 9)] AS noun) f;

INSERT INTO erp.product_product (product_tmpl_id, default_code, barcode, active, create_uid, write_uid, create_date, write_date)
SELECT t.id, t.default_code || CASE WHEN v > 1 THEN '-' || v ELSE '' END,
       CASE WHEN mod(t.id + v, 4) <> 0 THEN '5' || lpad((t.id * 10 + v)::text, 11, '0') END,
       t.active AND mod(t.id * 3 + v, 29) <> 0, t.create_uid, t.write_uid, t.create_date, t.write_date
FROM erp.product_template t, generate_series(1, 3) AS v
WHERE v = 1 OR mod(abs(hashint4(t.id * 41 + v)), 3) = 0;

INSERT INTO erp.crm_tag (name, color, create_uid, write_uid, create_date, write_date)
SELECT jsonb_build_object('en_US', en, 'fr_FR', fr), 1 + mod(n, 11), 2, 2,
       timestamp '2022-01-05 11:00' + n * interval '1 day', timestamp '2022-01-05 11:00' + n * interval '1 day'
FROM unnest(ARRAY['Product', 'Services', 'Information', 'Design', 'Training', 'Consulting', 'Urgent', 'VIP', 'Renewal', 'Upsell'],
            ARRAY['Produit', 'Services', 'Information', 'Conception', 'Formation', 'Conseil', 'Urgent', 'VIP', 'Renouvellement', 'Vente additionnelle'])
     WITH ORDINALITY AS x(en, fr, n);

-- orders: 1,400, each with 1..7 lines
INSERT INTO erp.sale_order (name, state, company_id, partner_id, partner_invoice_id, partner_shipping_id, user_id, currency_id,
                            client_order_ref, date_order, commitment_date, validity_date, note, create_uid, write_uid, create_date, write_date)
SELECT 'SO' || lpad(o::text, 5, '0'),
       (ARRAY['draft', 'sent', 'sale', 'sale', 'sale', 'done', 'cancel'])[1 + mod(abs(hashint4(o * 3)), 7)],
       c.id, p.id, p.id, p.id,
       3 + mod(abs(hashint4(o * 7)), 38), c.currency_id,
       CASE WHEN mod(o, 4) = 0 THEN 'PO-' || (1000 + mod(abs(hashint4(o * 11)), 9000)) END,
       d.date_order,
       CASE WHEN mod(o, 3) <> 0 THEN d.date_order + (1 + mod(abs(hashint4(o * 13)), 40)) * interval '1 day' END,
       (d.date_order + interval '30 days')::date,
       CASE WHEN mod(o, 6) = 0 THEN 'Payment terms: 30 days.' END,
       cu.u, cu.u, d.date_order - interval '2 hours', d.date_order + mod(abs(hashint4(o * 19)), 60) * interval '1 day'
FROM generate_series(1, 1400) AS o
CROSS JOIN LATERAL (SELECT timestamp '2023-01-02 08:00' + o * interval '6 hours' + mod(abs(hashint4(o * 5)), 300) * interval '1 minute' AS date_order) d
JOIN erp.res_partner p ON p.id = 44 + mod(abs(hashint4(o * 17)), 857)
JOIN erp.res_company c ON c.id = 1 + mod(o, 3)
CROSS JOIN LATERAL (SELECT 3 + mod(abs(hashint4(o * 23)), 38) AS u) cu;

INSERT INTO erp.sale_order_line (order_id, sequence, name, product_id, product_uom, product_uom_qty, price_unit, discount,
                                 price_subtotal, price_tax, price_total, company_id, currency_id, create_uid, write_uid, create_date, write_date)
SELECT s.id, 10 * k, '[' || pp.default_code || '] ' || (t.name->>'en_US'), pp.id, t.uom_id, q.qty, t.list_price, q.discount,
       q.subtotal, round(q.subtotal * q.rate, 2), q.subtotal + round(q.subtotal * q.rate, 2),
       s.company_id, s.currency_id, s.create_uid, s.write_uid, s.create_date, s.write_date
FROM erp.sale_order s
CROSS JOIN LATERAL generate_series(1, 1 + mod(abs(hashint4(s.id * 29)), 7)) AS k
JOIN erp.product_product pp ON pp.id = 1 + mod(abs(hashint4(s.id * 31 + k)), (SELECT count(*) FROM erp.product_product)::int)
JOIN erp.product_template t ON t.id = pp.product_tmpl_id
CROSS JOIN LATERAL (SELECT (1 + mod(abs(hashint4(s.id * 37 + k)), 20))::numeric AS qty,
                           (ARRAY[0, 0, 0, 5, 10, 15])[1 + mod(abs(hashint4(s.id * 41 + k)), 6)]::numeric AS discount,
                           (ARRAY[0.2, 0.2, 0.055, 0.1])[1 + mod(abs(hashint4(s.id * 43 + k)), 4)]::numeric AS rate) r
CROSS JOIN LATERAL (SELECT r.qty, r.discount, r.rate, round(r.qty * t.list_price * (1 - r.discount / 100), 2) AS subtotal) q;

UPDATE erp.sale_order s SET amount_untaxed = l.untaxed, amount_tax = l.tax, amount_total = l.untaxed + l.tax
FROM (SELECT order_id, sum(price_subtotal) AS untaxed, sum(price_tax)::numeric AS tax FROM erp.sale_order_line GROUP BY order_id) l
WHERE l.order_id = s.id;

INSERT INTO erp.sale_order_tag_rel (order_id, tag_id)
SELECT DISTINCT s.id, 1 + mod(abs(hashint4(s.id * 47 + k)), 10)
FROM erp.sale_order s, generate_series(1, 3) AS k
WHERE mod(abs(hashint4(s.id * 53 + k)), 3) = 0;

-- ---------------------------------------------------------------- foreign keys, as pg_dump adds them after the rows
ALTER TABLE erp.res_partner ADD CONSTRAINT res_partner_company_id_fkey FOREIGN KEY (company_id) REFERENCES erp.res_company(id) ON DELETE SET NULL;
ALTER TABLE erp.res_partner ADD CONSTRAINT res_partner_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES erp.res_partner(id) ON DELETE SET NULL;
ALTER TABLE erp.res_company ADD CONSTRAINT res_company_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES erp.res_partner(id) ON DELETE RESTRICT;
ALTER TABLE erp.res_company ADD CONSTRAINT res_company_currency_id_fkey FOREIGN KEY (currency_id) REFERENCES erp.res_currency(id) ON DELETE RESTRICT;
ALTER TABLE erp.res_company ADD CONSTRAINT res_company_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES erp.res_company(id) ON DELETE SET NULL;
ALTER TABLE erp.res_users ADD CONSTRAINT res_users_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES erp.res_partner(id) ON DELETE RESTRICT;
ALTER TABLE erp.res_users ADD CONSTRAINT res_users_company_id_fkey FOREIGN KEY (company_id) REFERENCES erp.res_company(id) ON DELETE RESTRICT;
ALTER TABLE erp.res_company_users_rel ADD CONSTRAINT res_company_users_rel_cid_fkey FOREIGN KEY (cid) REFERENCES erp.res_company(id) ON DELETE CASCADE;
ALTER TABLE erp.res_company_users_rel ADD CONSTRAINT res_company_users_rel_user_id_fkey FOREIGN KEY (user_id) REFERENCES erp.res_users(id) ON DELETE CASCADE;
ALTER TABLE erp.product_category ADD CONSTRAINT product_category_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES erp.product_category(id) ON DELETE CASCADE;
ALTER TABLE erp.product_template ADD CONSTRAINT product_template_categ_id_fkey FOREIGN KEY (categ_id) REFERENCES erp.product_category(id) ON DELETE RESTRICT;
ALTER TABLE erp.product_template ADD CONSTRAINT product_template_uom_id_fkey FOREIGN KEY (uom_id) REFERENCES erp.uom_uom(id) ON DELETE RESTRICT;
ALTER TABLE erp.product_template ADD CONSTRAINT product_template_company_id_fkey FOREIGN KEY (company_id) REFERENCES erp.res_company(id) ON DELETE SET NULL;
ALTER TABLE erp.product_product ADD CONSTRAINT product_product_product_tmpl_id_fkey FOREIGN KEY (product_tmpl_id) REFERENCES erp.product_template(id) ON DELETE CASCADE;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_company_id_fkey FOREIGN KEY (company_id) REFERENCES erp.res_company(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_partner_id_fkey FOREIGN KEY (partner_id) REFERENCES erp.res_partner(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_partner_invoice_id_fkey FOREIGN KEY (partner_invoice_id) REFERENCES erp.res_partner(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_partner_shipping_id_fkey FOREIGN KEY (partner_shipping_id) REFERENCES erp.res_partner(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_user_id_fkey FOREIGN KEY (user_id) REFERENCES erp.res_users(id) ON DELETE SET NULL;
ALTER TABLE erp.sale_order ADD CONSTRAINT sale_order_currency_id_fkey FOREIGN KEY (currency_id) REFERENCES erp.res_currency(id) ON DELETE SET NULL;
ALTER TABLE erp.sale_order_line ADD CONSTRAINT sale_order_line_order_id_fkey FOREIGN KEY (order_id) REFERENCES erp.sale_order(id) ON DELETE CASCADE;
ALTER TABLE erp.sale_order_line ADD CONSTRAINT sale_order_line_product_id_fkey FOREIGN KEY (product_id) REFERENCES erp.product_product(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order_line ADD CONSTRAINT sale_order_line_product_uom_fkey FOREIGN KEY (product_uom) REFERENCES erp.uom_uom(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order_line ADD CONSTRAINT sale_order_line_company_id_fkey FOREIGN KEY (company_id) REFERENCES erp.res_company(id) ON DELETE RESTRICT;
ALTER TABLE erp.sale_order_line ADD CONSTRAINT sale_order_line_currency_id_fkey FOREIGN KEY (currency_id) REFERENCES erp.res_currency(id) ON DELETE SET NULL;
ALTER TABLE erp.sale_order_tag_rel ADD CONSTRAINT sale_order_tag_rel_order_id_fkey FOREIGN KEY (order_id) REFERENCES erp.sale_order(id) ON DELETE CASCADE;
ALTER TABLE erp.sale_order_tag_rel ADD CONSTRAINT sale_order_tag_rel_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES erp.crm_tag(id) ON DELETE CASCADE;

-- audit columns: every table with create_uid / write_uid points them at res_users (res_users itself included)
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
             WHERE c.relnamespace = 'erp'::regnamespace AND c.relkind = 'r' AND a.attname = 'create_uid' ORDER BY 1 LOOP
        EXECUTE format('ALTER TABLE erp.%I ADD CONSTRAINT %I FOREIGN KEY (create_uid) REFERENCES erp.res_users(id) ON DELETE SET NULL', t, t || '_create_uid_fkey');
        EXECUTE format('ALTER TABLE erp.%I ADD CONSTRAINT %I FOREIGN KEY (write_uid) REFERENCES erp.res_users(id) ON DELETE SET NULL', t, t || '_write_uid_fkey');
    END LOOP;
END $$;

COMMENT ON TABLE erp.sale_order IS 'Sales Order';
COMMENT ON COLUMN erp.sale_order_line.price_subtotal IS 'Subtotal';
