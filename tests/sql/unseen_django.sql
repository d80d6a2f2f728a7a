-- A Django / Rails-style app, from memory: auth_user with password hashes, django_content_type and a generic
-- relation (content_type_id, object_id), many-to-many link tables with a surrogate id and UNIQUE (a_id, b_id),
-- jsonb settings, created_at <= updated_at, soft-delete deleted_at mostly NULL, and tables that declare NO
-- foreign keys (only integer *_id columns), as apps with db_constraint=False or Rails without foreign_key: true.
CREATE TABLE django_content_type (id serial PRIMARY KEY, app_label varchar(100) NOT NULL, model varchar(100) NOT NULL,
  CONSTRAINT django_content_type_app_label_model_76bd3d3b_uniq UNIQUE (app_label, model));
CREATE TABLE auth_group (id serial PRIMARY KEY, name varchar(150) NOT NULL UNIQUE);
CREATE TABLE auth_permission (id serial PRIMARY KEY, name varchar(255) NOT NULL,
  content_type_id integer NOT NULL REFERENCES django_content_type DEFERRABLE INITIALLY DEFERRED, codename varchar(100) NOT NULL,
  CONSTRAINT auth_permission_content_type_id_codename_01ab375a_uniq UNIQUE (content_type_id, codename));
CREATE TABLE auth_user (id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz, is_superuser boolean NOT NULL,
  username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,
  is_staff boolean NOT NULL, is_active boolean NOT NULL, date_joined timestamptz NOT NULL);
CREATE INDEX auth_user_username_6821ab7c_like ON auth_user (username varchar_pattern_ops);
CREATE TABLE auth_user_groups (id bigserial PRIMARY KEY,
  user_id integer NOT NULL REFERENCES auth_user DEFERRABLE INITIALLY DEFERRED,
  group_id integer NOT NULL REFERENCES auth_group DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT auth_user_groups_user_id_group_id_94350c0c_uniq UNIQUE (user_id, group_id));
CREATE INDEX auth_user_groups_user_id_6a12ed8b ON auth_user_groups (user_id);
CREATE INDEX auth_user_groups_group_id_97559544 ON auth_user_groups (group_id);
CREATE TABLE auth_group_permissions (id bigserial PRIMARY KEY,
  group_id integer NOT NULL REFERENCES auth_group DEFERRABLE INITIALLY DEFERRED,
  permission_id integer NOT NULL REFERENCES auth_permission DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT auth_group_permissions_group_id_permission_id_0cd325b0_uniq UNIQUE (group_id, permission_id));
CREATE TABLE django_session (session_key varchar(40) PRIMARY KEY, session_data text NOT NULL, expire_date timestamptz NOT NULL);
CREATE INDEX django_session_expire_date_a5c62663 ON django_session (expire_date);
CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL);

-- the app: no declared foreign keys from here on
CREATE TABLE blog_profile (id bigserial PRIMARY KEY, user_id integer NOT NULL UNIQUE, bio text NOT NULL, settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE blog_post (id bigserial PRIMARY KEY, author_id integer NOT NULL, title varchar(200) NOT NULL, slug varchar(50) NOT NULL UNIQUE,
  body text NOT NULL, status smallint NOT NULL CHECK (status >= 0), published_at timestamptz, view_count integer NOT NULL CHECK (view_count >= 0),
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE INDEX blog_post_author_id_dd7a8485 ON blog_post (author_id);
CREATE INDEX blog_post_slug_like ON blog_post (slug varchar_pattern_ops);
CREATE TABLE blog_tag (id bigserial PRIMARY KEY, name varchar(50) NOT NULL UNIQUE);
CREATE TABLE blog_post_tags (id bigserial PRIMARY KEY, post_id bigint NOT NULL, tag_id bigint NOT NULL,
  CONSTRAINT blog_post_tags_post_id_tag_id_uniq UNIQUE (post_id, tag_id));
CREATE TABLE blog_comment (id bigserial PRIMARY KEY, post_id bigint NOT NULL, user_id integer, parent_id bigint, body text NOT NULL,
  is_approved boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, deleted_at timestamptz);
CREATE INDEX blog_comment_post_id ON blog_comment (post_id);
-- a generic relation: (content_type_id, object_id) points at a row of any model
CREATE TABLE django_admin_log (id serial PRIMARY KEY, action_time timestamptz NOT NULL, object_id text, object_repr varchar(200) NOT NULL,
  action_flag smallint NOT NULL CHECK (action_flag >= 0), change_message text NOT NULL,
  content_type_id integer REFERENCES django_content_type DEFERRABLE INITIALLY DEFERRED,
  user_id integer NOT NULL REFERENCES auth_user DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE activity_like (id bigserial PRIMARY KEY, user_id integer NOT NULL, content_type_id integer NOT NULL, object_id bigint NOT NULL,
  created_at timestamptz NOT NULL, CONSTRAINT activity_like_uniq UNIQUE (user_id, content_type_id, object_id));

INSERT INTO django_content_type (app_label, model) VALUES ('admin', 'logentry'), ('auth', 'permission'), ('auth', 'group'),
  ('auth', 'user'), ('contenttypes', 'contenttype'), ('sessions', 'session'), ('blog', 'post'), ('blog', 'comment'), ('blog', 'tag'), ('blog', 'profile');
INSERT INTO auth_permission (name, content_type_id, codename)
  SELECT 'Can ' || a || ' ' || model, id, a || '_' || model FROM django_content_type, unnest(ARRAY['add', 'change', 'delete', 'view']) a;
INSERT INTO auth_group (name) VALUES ('editors'), ('moderators'), ('authors'), ('readers');
INSERT INTO auth_group_permissions (group_id, permission_id) SELECT 1 + g % 4, g FROM generate_series(1, 40) g;
INSERT INTO auth_user (password, last_login, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
  SELECT 'pbkdf2_sha256$600000$' || substr(md5(g::text), 1, 22) || '$' || encode(sha256(g::text::bytea), 'base64'),
         CASE WHEN g % 5 = 0 THEN timestamptz '2024-01-01' + g * interval '3 hours' END, g <= 2,
         'user' || g, (ARRAY['Anna','Ben','Chloe','David','Emma','Felix'])[1 + g % 6], (ARRAY['Smith','Jones','Brown','Taylor'])[1 + g % 4],
         'user' || g || '@example.com', g <= 10, g % 17 <> 0, timestamptz '2022-01-01' + g * interval '9 hours'
  FROM generate_series(1, 800) g;
INSERT INTO auth_user_groups (user_id, group_id) SELECT DISTINCT 1 + (g * 7) % 800, 1 + g % 4 FROM generate_series(1, 600) g;
INSERT INTO django_session SELECT md5(g::text) || substr(md5((g + 1)::text), 1, 8), encode(sha256(g::text::bytea), 'base64'),
  timestamptz '2024-06-01' + g * interval '1 hour' FROM generate_series(1, 300) g;
INSERT INTO django_migrations (app, name, applied) SELECT (ARRAY['contenttypes','auth','admin','sessions','blog'])[1 + g % 5],
  lpad(g::text, 4, '0') || '_auto', timestamptz '2022-01-01' + g * interval '1 minute' FROM generate_series(1, 40) g;
INSERT INTO blog_profile (user_id, bio, settings, created_at, updated_at)
  SELECT g, 'Bio of user ' || g, jsonb_build_object('theme', (ARRAY['dark','light'])[1 + g % 2], 'notifications', g % 3 = 0),
         timestamptz '2022-01-01' + g * interval '9 hours', timestamptz '2022-01-01' + g * interval '9 hours' + (g % 40) * interval '1 day'
  FROM generate_series(1, 700) g;
INSERT INTO blog_post (author_id, title, slug, body, status, published_at, view_count, created_at, updated_at, deleted_at)
  SELECT 1 + (g * 13) % 100, 'Post number ' || g, 'post-number-' || g, repeat('Lorem ipsum dolor sit amet. ', 1 + g % 12), g % 3,
         CASE WHEN g % 3 = 2 THEN timestamptz '2023-01-01' + g * interval '5 hours' + interval '1 day' END, (g * 37) % 5000,
         timestamptz '2023-01-01' + g * interval '5 hours', timestamptz '2023-01-01' + g * interval '5 hours' + (g % 30) * interval '1 day',
         CASE WHEN g % 25 = 0 THEN timestamptz '2024-06-01' + g * interval '1 hour' END
  FROM generate_series(1, 1500) g;
INSERT INTO blog_tag (name) SELECT 'tag' || g FROM generate_series(1, 60) g;
INSERT INTO blog_post_tags (post_id, tag_id) SELECT DISTINCT g, 1 + (g * k * 7) % 60 FROM generate_series(1, 1500) g, generate_series(1, 3) k;
INSERT INTO blog_comment (post_id, user_id, parent_id, body, is_approved, created_at, updated_at, deleted_at)
  SELECT 1 + (g * 11) % 1500, CASE WHEN g % 9 <> 0 THEN 1 + (g * 3) % 800 END, CASE WHEN g % 4 = 0 AND g > 4 THEN g - 3 END,
         'Comment ' || g, g % 5 <> 0, timestamptz '2023-02-01' + g * interval '2 hours', timestamptz '2023-02-01' + g * interval '2 hours' + (g % 3) * interval '1 hour',
         CASE WHEN g % 40 = 0 THEN timestamptz '2024-08-01' END
  FROM generate_series(1, 3000) g;
INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag, change_message, content_type_id, user_id)
  SELECT timestamptz '2023-03-01' + g * interval '7 hours', (1 + g % 1500)::text, 'Post number ' || (1 + g % 1500), 1 + g % 3,
         '[{"changed": {"fields": ["Title"]}}]', 7, 1 + g % 10 FROM generate_series(1, 400) g;
INSERT INTO activity_like (user_id, content_type_id, object_id, created_at)
  SELECT DISTINCT ON (u, ct, o) u, ct, o, timestamptz '2023-05-01' + g * interval '90 minutes'
  FROM (SELECT g, 1 + (g * 7) % 800 AS u, CASE WHEN g % 3 = 0 THEN 8 ELSE 7 END AS ct, CASE WHEN g % 3 = 0 THEN 1 + (g * 5) % 3000 ELSE 1 + (g * 5) % 1500 END AS o
        FROM generate_series(1, 2500) g) x;
