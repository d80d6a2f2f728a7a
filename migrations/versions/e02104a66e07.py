"""provisioner staging schema

Revision ID: e02104a66e07
Revises: None
Rendered by provisioner from schema snapshot e02104a66e074fd44b9f0cc5ccd8a78bc0a3d516d457250e1fbf11410ffc93b1.
"""
from alembic import op

revision = 'e02104a66e07'
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = [
    'CREATE TABLE "public"."categories" (\n    "category_id" smallint NOT NULL,\n    "category_name" character varying(15) NOT NULL,\n    "description" text,\n    "picture" bytea,\n    CONSTRAINT "pk_categories" PRIMARY KEY ("category_id")\n)',
    'CREATE TABLE "public"."customer_customer_demo" (\n    "customer_id" character varying(5) NOT NULL,\n    "customer_type_id" character varying(5) NOT NULL,\n    CONSTRAINT "pk_customer_customer_demo" PRIMARY KEY ("customer_id", "customer_type_id")\n)',
    'CREATE TABLE "public"."customer_demographics" (\n    "customer_type_id" character varying(5) NOT NULL,\n    "customer_desc" text,\n    CONSTRAINT "pk_customer_demographics" PRIMARY KEY ("customer_type_id")\n)',
    'CREATE TABLE "public"."customers" (\n    "customer_id" character varying(5) NOT NULL,\n    "company_name" character varying(40) NOT NULL,\n    "contact_name" character varying(30),\n    "contact_title" character varying(30),\n    "address" character varying(60),\n    "city" character varying(15),\n    "region" character varying(15),\n    "postal_code" character varying(10),\n    "country" character varying(15),\n    "phone" character varying(24),\n    "fax" character varying(24),\n    CONSTRAINT "pk_customers" PRIMARY KEY ("customer_id")\n)',
    'CREATE TABLE "public"."employee_territories" (\n    "employee_id" smallint NOT NULL,\n    "territory_id" character varying(20) NOT NULL,\n    CONSTRAINT "pk_employee_territories" PRIMARY KEY ("employee_id", "territory_id")\n)',
    'CREATE TABLE "public"."employees" (\n    "employee_id" smallint NOT NULL,\n    "last_name" character varying(20) NOT NULL,\n    "first_name" character varying(10) NOT NULL,\n    "title" character varying(30),\n    "title_of_courtesy" character varying(25),\n    "birth_date" date,\n    "hire_date" date,\n    "address" character varying(60),\n    "city" character varying(15),\n    "region" character varying(15),\n    "postal_code" character varying(10),\n    "country" character varying(15),\n    "home_phone" character varying(24),\n    "extension" character varying(4),\n    "photo" bytea,\n    "notes" text,\n    "reports_to" smallint,\n    "photo_path" character varying(255),\n    CONSTRAINT "pk_employees" PRIMARY KEY ("employee_id")\n)',
    'CREATE TABLE "public"."order_details" (\n    "order_id" smallint NOT NULL,\n    "product_id" smallint NOT NULL,\n    "unit_price" real NOT NULL,\n    "quantity" smallint NOT NULL,\n    "discount" real NOT NULL,\n    CONSTRAINT "pk_order_details" PRIMARY KEY ("order_id", "product_id")\n)',
    'CREATE TABLE "public"."orders" (\n    "order_id" smallint NOT NULL,\n    "customer_id" character varying(5),\n    "employee_id" smallint,\n    "order_date" date,\n    "required_date" date,\n    "shipped_date" date,\n    "ship_via" smallint,\n    "freight" real,\n    "ship_name" character varying(40),\n    "ship_address" character varying(60),\n    "ship_city" character varying(15),\n    "ship_region" character varying(15),\n    "ship_postal_code" character varying(10),\n    "ship_country" character varying(15),\n    CONSTRAINT "pk_orders" PRIMARY KEY ("order_id")\n)',
    'CREATE TABLE "public"."products" (\n    "product_id" smallint NOT NULL,\n    "product_name" character varying(40) NOT NULL,\n    "supplier_id" smallint,\n    "category_id" smallint,\n    "quantity_per_unit" character varying(20),\n    "unit_price" real,\n    "units_in_stock" smallint,\n    "units_on_order" smallint,\n    "reorder_level" smallint,\n    "discontinued" integer NOT NULL,\n    CONSTRAINT "pk_products" PRIMARY KEY ("product_id")\n)',
    'CREATE TABLE "public"."region" (\n    "region_id" smallint NOT NULL,\n    "region_description" character varying(60) NOT NULL,\n    CONSTRAINT "pk_region" PRIMARY KEY ("region_id")\n)',
    'CREATE TABLE "public"."shippers" (\n    "shipper_id" smallint NOT NULL,\n    "company_name" character varying(40) NOT NULL,\n    "phone" character varying(24),\n    CONSTRAINT "pk_shippers" PRIMARY KEY ("shipper_id")\n)',
    'CREATE TABLE "public"."suppliers" (\n    "supplier_id" smallint NOT NULL,\n    "company_name" character varying(40) NOT NULL,\n    "contact_name" character varying(30),\n    "contact_title" character varying(30),\n    "address" character varying(60),\n    "city" character varying(15),\n    "region" character varying(15),\n    "postal_code" character varying(10),\n    "country" character varying(15),\n    "phone" character varying(24),\n    "fax" character varying(24),\n    "homepage" text,\n    CONSTRAINT "pk_suppliers" PRIMARY KEY ("supplier_id")\n)',
    'CREATE TABLE "public"."territories" (\n    "territory_id" character varying(20) NOT NULL,\n    "territory_description" character varying(60) NOT NULL,\n    "region_id" smallint NOT NULL,\n    CONSTRAINT "pk_territories" PRIMARY KEY ("territory_id")\n)',
    'CREATE TABLE "public"."us_states" (\n    "state_id" smallint NOT NULL,\n    "state_name" character varying(100),\n    "state_abbr" character varying(2),\n    "state_region" character varying(50),\n    CONSTRAINT "pk_usstates" PRIMARY KEY ("state_id")\n)',
    'ALTER TABLE "public"."customer_customer_demo" ADD CONSTRAINT "fk_customer_customer_demo_customer_demographics" FOREIGN KEY (customer_type_id) REFERENCES customer_demographics(customer_type_id)',
    'ALTER TABLE "public"."customer_customer_demo" ADD CONSTRAINT "fk_customer_customer_demo_customers" FOREIGN KEY (customer_id) REFERENCES customers(customer_id)',
    'ALTER TABLE "public"."employee_territories" ADD CONSTRAINT "fk_employee_territories_employees" FOREIGN KEY (employee_id) REFERENCES employees(employee_id)',
    'ALTER TABLE "public"."employee_territories" ADD CONSTRAINT "fk_employee_territories_territories" FOREIGN KEY (territory_id) REFERENCES territories(territory_id)',
    'ALTER TABLE "public"."employees" ADD CONSTRAINT "fk_employees_employees" FOREIGN KEY (reports_to) REFERENCES employees(employee_id)',
    'ALTER TABLE "public"."order_details" ADD CONSTRAINT "fk_order_details_orders" FOREIGN KEY (order_id) REFERENCES orders(order_id)',
    'ALTER TABLE "public"."order_details" ADD CONSTRAINT "fk_order_details_products" FOREIGN KEY (product_id) REFERENCES products(product_id)',
    'ALTER TABLE "public"."orders" ADD CONSTRAINT "fk_orders_customers" FOREIGN KEY (customer_id) REFERENCES customers(customer_id)',
    'ALTER TABLE "public"."orders" ADD CONSTRAINT "fk_orders_employees" FOREIGN KEY (employee_id) REFERENCES employees(employee_id)',
    'ALTER TABLE "public"."orders" ADD CONSTRAINT "fk_orders_shippers" FOREIGN KEY (ship_via) REFERENCES shippers(shipper_id)',
    'ALTER TABLE "public"."products" ADD CONSTRAINT "fk_products_categories" FOREIGN KEY (category_id) REFERENCES categories(category_id)',
    'ALTER TABLE "public"."products" ADD CONSTRAINT "fk_products_suppliers" FOREIGN KEY (supplier_id) REFERENCES suppliers(supplier_id)',
    'ALTER TABLE "public"."territories" ADD CONSTRAINT "fk_territories_region" FOREIGN KEY (region_id) REFERENCES region(region_id)',
]


def upgrade() -> None:
    driver = op.get_bind().connection.driver_connection  # statements as they are: no placeholder parsing
    for statement in STATEMENTS:
        driver.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("staging schemas are rebuilt, not downgraded")
