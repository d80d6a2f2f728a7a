"""provisioner staging schema

Revision ID: a82ef4d87367
Revises: None
Rendered by provisioner from schema snapshot a82ef4d873672a5051a780c93e81945b3e301210d8bca337336cf8abe90cabea.
"""
from alembic import op

revision = 'a82ef4d87367'
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    'CREATE TABLE "public"."album" (\n    "album_id" integer NOT NULL,\n    "title" character varying(160) NOT NULL,\n    "artist_id" integer NOT NULL,\n    CONSTRAINT "album_pkey" PRIMARY KEY ("album_id")\n)',
    'CREATE INDEX album_artist_id_idx ON public.album USING btree (artist_id)',
    'CREATE TABLE "public"."artist" (\n    "artist_id" integer NOT NULL,\n    "name" character varying(120),\n    CONSTRAINT "artist_pkey" PRIMARY KEY ("artist_id")\n)',
    'CREATE TABLE "public"."customer" (\n    "customer_id" integer NOT NULL,\n    "first_name" character varying(40) NOT NULL,\n    "last_name" character varying(20) NOT NULL,\n    "company" character varying(80),\n    "address" character varying(70),\n    "city" character varying(40),\n    "state" character varying(40),\n    "country" character varying(40),\n    "postal_code" character varying(10),\n    "phone" character varying(24),\n    "fax" character varying(24),\n    "email" character varying(60) NOT NULL,\n    "support_rep_id" integer,\n    CONSTRAINT "customer_pkey" PRIMARY KEY ("customer_id")\n)',
    'CREATE INDEX customer_support_rep_id_idx ON public.customer USING btree (support_rep_id)',
    'CREATE TABLE "public"."employee" (\n    "employee_id" integer NOT NULL,\n    "last_name" character varying(20) NOT NULL,\n    "first_name" character varying(20) NOT NULL,\n    "title" character varying(30),\n    "reports_to" integer,\n    "birth_date" timestamp without time zone,\n    "hire_date" timestamp without time zone,\n    "address" character varying(70),\n    "city" character varying(40),\n    "state" character varying(40),\n    "country" character varying(40),\n    "postal_code" character varying(10),\n    "phone" character varying(24),\n    "fax" character varying(24),\n    "email" character varying(60),\n    CONSTRAINT "employee_pkey" PRIMARY KEY ("employee_id")\n)',
    'CREATE INDEX employee_reports_to_idx ON public.employee USING btree (reports_to)',
    'CREATE TABLE "public"."genre" (\n    "genre_id" integer NOT NULL,\n    "name" character varying(120),\n    CONSTRAINT "genre_pkey" PRIMARY KEY ("genre_id")\n)',
    'CREATE TABLE "public"."invoice" (\n    "invoice_id" integer NOT NULL,\n    "customer_id" integer NOT NULL,\n    "invoice_date" timestamp without time zone NOT NULL,\n    "billing_address" character varying(70),\n    "billing_city" character varying(40),\n    "billing_state" character varying(40),\n    "billing_country" character varying(40),\n    "billing_postal_code" character varying(10),\n    "total" numeric(10,2) NOT NULL,\n    CONSTRAINT "invoice_pkey" PRIMARY KEY ("invoice_id")\n)',
    'CREATE INDEX invoice_customer_id_idx ON public.invoice USING btree (customer_id)',
    'CREATE TABLE "public"."invoice_line" (\n    "invoice_line_id" integer NOT NULL,\n    "invoice_id" integer NOT NULL,\n    "track_id" integer NOT NULL,\n    "unit_price" numeric(10,2) NOT NULL,\n    "quantity" integer NOT NULL,\n    CONSTRAINT "invoice_line_pkey" PRIMARY KEY ("invoice_line_id")\n)',
    'CREATE INDEX invoice_line_invoice_id_idx ON public.invoice_line USING btree (invoice_id)',
    'CREATE INDEX invoice_line_track_id_idx ON public.invoice_line USING btree (track_id)',
    'CREATE TABLE "public"."media_type" (\n    "media_type_id" integer NOT NULL,\n    "name" character varying(120),\n    CONSTRAINT "media_type_pkey" PRIMARY KEY ("media_type_id")\n)',
    'CREATE TABLE "public"."playlist" (\n    "playlist_id" integer NOT NULL,\n    "name" character varying(120),\n    CONSTRAINT "playlist_pkey" PRIMARY KEY ("playlist_id")\n)',
    'CREATE TABLE "public"."playlist_track" (\n    "playlist_id" integer NOT NULL,\n    "track_id" integer NOT NULL,\n    CONSTRAINT "playlist_track_pkey" PRIMARY KEY ("playlist_id", "track_id")\n)',
    'CREATE INDEX playlist_track_playlist_id_idx ON public.playlist_track USING btree (playlist_id)',
    'CREATE INDEX playlist_track_track_id_idx ON public.playlist_track USING btree (track_id)',
    'CREATE TABLE "public"."track" (\n    "track_id" integer NOT NULL,\n    "name" character varying(200) NOT NULL,\n    "album_id" integer,\n    "media_type_id" integer NOT NULL,\n    "genre_id" integer,\n    "composer" character varying(220),\n    "milliseconds" integer NOT NULL,\n    "bytes" integer,\n    "unit_price" numeric(10,2) NOT NULL,\n    CONSTRAINT "track_pkey" PRIMARY KEY ("track_id")\n)',
    'CREATE INDEX track_album_id_idx ON public.track USING btree (album_id)',
    'CREATE INDEX track_genre_id_idx ON public.track USING btree (genre_id)',
    'CREATE INDEX track_media_type_id_idx ON public.track USING btree (media_type_id)',
    'ALTER TABLE "public"."album" ADD CONSTRAINT "album_artist_id_fkey" FOREIGN KEY (artist_id) REFERENCES artist(artist_id)',
    'ALTER TABLE "public"."customer" ADD CONSTRAINT "customer_support_rep_id_fkey" FOREIGN KEY (support_rep_id) REFERENCES employee(employee_id)',
    'ALTER TABLE "public"."employee" ADD CONSTRAINT "employee_reports_to_fkey" FOREIGN KEY (reports_to) REFERENCES employee(employee_id)',
    'ALTER TABLE "public"."invoice" ADD CONSTRAINT "invoice_customer_id_fkey" FOREIGN KEY (customer_id) REFERENCES customer(customer_id)',
    'ALTER TABLE "public"."invoice_line" ADD CONSTRAINT "invoice_line_invoice_id_fkey" FOREIGN KEY (invoice_id) REFERENCES invoice(invoice_id)',
    'ALTER TABLE "public"."invoice_line" ADD CONSTRAINT "invoice_line_track_id_fkey" FOREIGN KEY (track_id) REFERENCES track(track_id)',
    'ALTER TABLE "public"."playlist_track" ADD CONSTRAINT "playlist_track_playlist_id_fkey" FOREIGN KEY (playlist_id) REFERENCES playlist(playlist_id)',
    'ALTER TABLE "public"."playlist_track" ADD CONSTRAINT "playlist_track_track_id_fkey" FOREIGN KEY (track_id) REFERENCES track(track_id)',
    'ALTER TABLE "public"."track" ADD CONSTRAINT "track_album_id_fkey" FOREIGN KEY (album_id) REFERENCES album(album_id)',
    'ALTER TABLE "public"."track" ADD CONSTRAINT "track_genre_id_fkey" FOREIGN KEY (genre_id) REFERENCES genre(genre_id)',
    'ALTER TABLE "public"."track" ADD CONSTRAINT "track_media_type_id_fkey" FOREIGN KEY (media_type_id) REFERENCES media_type(media_type_id)',
]


def upgrade() -> None:
    driver = op.get_bind().connection.driver_connection  # statements as they are: no placeholder parsing
    for statement in STATEMENTS:
        driver.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("staging schemas are rebuilt, not downgraded")
