-- Tenancy (API.md "Records", "Organizations"): organizations with roles, their invitations, and
-- JSON records per user and per organization, isolated by PostgreSQL row-level security.
--
-- Gatehouse runs every record and organization query as the role gatehouse_tenant: NOLOGIN,
-- not a superuser, no BYPASSRLS. Each such transaction on the shared pool starts with
--
--   SELECT set_config('role', 'gatehouse_tenant', true), set_config('app.user_id', $1, true),
--          set_config('app.tenant_id', $2, true), set_config('app.org_id', $3, true)
--
-- (SET LOCAL ROLE plus three transaction-local settings, undone at COMMIT or ROLLBACK), and the
-- policies below decide from those settings alone which rows exist for it: with nothing set,
-- none do. The tables also FORCE row-level security, so their owner (the role that applies
-- migrations, DATABASE_URL's) is under policies too; its one policy, gatehouse_owner, lets the
-- maintenance only the owner does through (account deletion's cascades, the push audience of
-- an organization's records, and the SECURITY DEFINER helpers the tenant policies call).

DO $$
BEGIN
  CREATE ROLE gatehouse_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- roles belong to the cluster: another database of this cluster made it already
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gatehouse_tenant'
             AND (rolsuper OR rolbypassrls OR rolcanlogin)) THEN
    RAISE EXCEPTION 'the role gatehouse_tenant must be NOLOGIN, NOSUPERUSER and NOBYPASSRLS';
  END IF;
END
$$;

-- The migrating role switches to it at the start of each tenant transaction.
GRANT gatehouse_tenant TO CURRENT_USER;

-- The caller of the current transaction, as Gatehouse set it; NULL when unset (a setting that
-- was set in an earlier transaction of the session reads as '' afterwards).
CREATE FUNCTION gh_caller() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION gh_caller_tenant() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION gh_caller_org() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

CREATE TABLE organizations (
  id         uuid PRIMARY KEY,
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_members (
  org_id    uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role      text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

-- Only a SHA-256 of an invitation's token is stored; the token travels in the invitation mail.
CREATE TABLE org_invitations (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash  text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  invited_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  accepted_by uuid REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX org_invitations_org ON org_invitations (org_id, created_at);

-- A record belongs to exactly one user (a personal collection) or one organization.
CREATE TABLE records (
  id         uuid PRIMARY KEY,
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  owner_id   uuid REFERENCES users (id) ON DELETE CASCADE,
  org_id     uuid REFERENCES organizations (id) ON DELETE CASCADE,
  collection text NOT NULL CHECK (collection ~ '^[a-z][a-z0-9_]{0,62}$'),
  data       jsonb NOT NULL CHECK (jsonb_typeof(data) = 'object'),
  version    bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((owner_id IS NULL) <> (org_id IS NULL))
);
-- Pages newest first (scanned backwards), and the cascades of account and organization removal.
CREATE INDEX records_personal ON records (owner_id, collection, created_at, id)
  WHERE owner_id IS NOT NULL;
CREATE INDEX records_shared ON records (org_id, collection, created_at, id)
  WHERE org_id IS NOT NULL;
-- `filter` is `data @> $n::jsonb`.
CREATE INDEX records_data ON records USING gin (data jsonb_path_ops);

-- The caller's role in organization `org` of the caller's tenant, or NULL. SECURITY DEFINER, so
-- that the policies of org_members can ask it without recursing into themselves.
CREATE FUNCTION gh_org_role(org uuid) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public AS $$
  SELECT m.role FROM org_members m JOIN organizations o ON o.id = m.org_id
  WHERE m.org_id = org AND m.user_id = gh_caller() AND o.tenant_id = gh_caller_tenant()
$$;

-- The caller's own email address (invitations are bound to it).
CREATE FUNCTION gh_caller_email() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public AS $$
  SELECT email FROM users WHERE id = gh_caller() AND tenant_id = gh_caller_tenant()
$$;

-- The members of `org` with their address and name, for its members only.
CREATE FUNCTION gh_org_members(org uuid)
  RETURNS TABLE (user_id uuid, email text, name text, role text, joined_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT m.user_id, u.email, u.name, m.role, m.joined_at
  FROM org_members m JOIN users u ON u.id = m.user_id
  WHERE m.org_id = org AND gh_org_role(org) IS NOT NULL
  ORDER BY m.joined_at, m.user_id
$$;

-- The invitation whose token hashes to `hash`, in the caller's tenant: whoever holds the token
-- may learn whom it invites, so that another signed-in user is told 403 rather than 400.
CREATE FUNCTION gh_invitation_for_token(hash text)
  RETURNS TABLE (id uuid, org_id uuid, email text, role text, expired boolean, used boolean)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT i.id, i.org_id, i.email, i.role, i.expires_at <= now(), i.accepted_at IS NOT NULL
  FROM org_invitations i JOIN organizations o ON o.id = i.org_id
  WHERE i.token_hash = hash AND o.tenant_id = gh_caller_tenant() AND gh_caller() IS NOT NULL
$$;

-- True when the caller created organization `org` in this very transaction and nobody has
-- joined it yet: its first member is the caller, as its owner.
CREATE FUNCTION gh_org_founded_now(org uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM organizations o WHERE o.id = org AND o.created_by = gh_caller()
                 AND o.tenant_id = gh_caller_tenant() AND o.created_at = now())
     AND NOT EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = org)
$$;

REVOKE EXECUTE ON FUNCTION gh_org_role(uuid), gh_caller_email(), gh_org_members(uuid),
  gh_invitation_for_token(text), gh_org_founded_now(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gh_org_role(uuid), gh_caller_email(), gh_org_members(uuid),
  gh_invitation_for_token(text), gh_org_founded_now(uuid) TO gatehouse_tenant;

-- An outbox row written by SQL (the envelope of API.md "Events"), for the trigger below.
CREATE FUNCTION gh_outbox_write(subject text, tenant uuid, data jsonb) RETURNS void
  LANGUAGE sql SET search_path = pg_catalog, public AS $$
  INSERT INTO outbox (id, subject, tenant_id, payload)
  SELECT e.id, subject, tenant, jsonb_build_object(
           'id', e.id, 'type', subject, 'tenant_id', tenant, 'data', data,
           'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM (SELECT gen_random_uuid() AS id) e
$$;
REVOKE EXECUTE ON FUNCTION gh_outbox_write(text, uuid, jsonb) FROM PUBLIC;

-- An organization keeps an owner. Demoting or removing the last owner is refused (Gatehouse
-- checks first, under a per-organization advisory lock; this catches hand-written SQL). When the
-- last owner's account is deleted, the strongest, longest-standing member inherits the
-- organization; when nobody is left, the organization goes, with its records.
CREATE FUNCTION gh_org_keep_owner() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public AS $$
DECLARE
  org_tenant uuid;
  heir uuid;
BEGIN
  IF OLD.role <> 'owner' THEN
    RETURN NULL;
  END IF;
  SELECT tenant_id INTO org_tenant FROM organizations WHERE id = OLD.org_id;
  IF NOT FOUND OR EXISTS (SELECT 1 FROM org_members WHERE org_id = OLD.org_id AND role = 'owner')
  THEN
    RETURN NULL; -- the organization itself is going, or another owner stays
  END IF;
  IF TG_OP = 'UPDATE' OR EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id) THEN
    RAISE EXCEPTION 'an organization keeps at least one owner' USING ERRCODE = 'check_violation';
  END IF;
  SELECT user_id INTO heir FROM org_members WHERE org_id = OLD.org_id
    ORDER BY array_position(ARRAY['admin', 'member', 'viewer'], role), joined_at, user_id
    LIMIT 1;
  IF heir IS NULL THEN
    DELETE FROM organizations WHERE id = OLD.org_id;
    INSERT INTO audit_log (tenant_id, actor, action, target, details)
      VALUES (org_tenant, 'system', 'org.deleted', OLD.org_id::text,
              jsonb_build_object('reason', 'last member deleted their account'));
    PERFORM gh_outbox_write('org.deleted', org_tenant,
                            jsonb_build_object('org_id', OLD.org_id, 'user_id', OLD.user_id));
    RETURN NULL;
  END IF;
  UPDATE org_members SET role = 'owner' WHERE org_id = OLD.org_id AND user_id = heir;
  INSERT INTO audit_log (tenant_id, actor, action, target, details)
    VALUES (org_tenant, 'system', 'org.member_updated', heir::text,
            jsonb_build_object('org_id', OLD.org_id, 'role', 'owner',
                               'reason', 'the last owner deleted their account'));
  PERFORM gh_outbox_write('org.member_updated', org_tenant,
                          jsonb_build_object('org_id', OLD.org_id, 'user_id', heir,
                                             'role', 'owner'));
  RETURN NULL;
END
$$;
CREATE TRIGGER org_members_keep_owner AFTER UPDATE OR DELETE ON org_members
  FOR EACH ROW EXECUTE FUNCTION gh_org_keep_owner();

-- Row-level security, forced on the owner too.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
ALTER TABLE org_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_members FORCE ROW LEVEL SECURITY;
ALTER TABLE org_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_invitations FORCE ROW LEVEL SECURITY;
ALTER TABLE records ENABLE ROW LEVEL SECURITY;
ALTER TABLE records FORCE ROW LEVEL SECURITY;

CREATE POLICY gatehouse_owner ON organizations TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY gatehouse_owner ON org_members TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY gatehouse_owner ON org_invitations TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY gatehouse_owner ON records TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, org_members, records TO gatehouse_tenant;
GRANT SELECT, INSERT, UPDATE ON org_invitations TO gatehouse_tenant;
-- Changes are audited and announced in their own transaction.
GRANT INSERT ON outbox, audit_log TO gatehouse_tenant;

-- Organizations: members see theirs; anyone signed in creates one; admins rename; owners delete.
CREATE POLICY tenant_read ON organizations FOR SELECT TO gatehouse_tenant
  USING (tenant_id = gh_caller_tenant() AND gh_org_role(id) IS NOT NULL);
CREATE POLICY tenant_create ON organizations FOR INSERT TO gatehouse_tenant
  WITH CHECK (tenant_id = gh_caller_tenant() AND created_by = gh_caller());
CREATE POLICY tenant_rename ON organizations FOR UPDATE TO gatehouse_tenant
  USING (gh_org_role(id) IN ('owner', 'admin')) WITH CHECK (gh_org_role(id) IN ('owner', 'admin'));
CREATE POLICY tenant_delete ON organizations FOR DELETE TO gatehouse_tenant
  USING (gh_org_role(id) = 'owner');

-- Memberships: yours and your organizations'. You join as the owner of an organization you
-- created in this very transaction, or with the role of an invitation you accepted in it.
-- Admins change and remove members below owner; owners anyone; anyone may leave.
CREATE POLICY tenant_read ON org_members FOR SELECT TO gatehouse_tenant
  USING (user_id = gh_caller() OR gh_org_role(org_id) IS NOT NULL);
CREATE POLICY tenant_join ON org_members FOR INSERT TO gatehouse_tenant
  WITH CHECK (user_id = gh_caller() AND (
    (role = 'owner' AND gh_org_founded_now(org_id))
    OR EXISTS (
       SELECT 1 FROM org_invitations i WHERE i.org_id = org_members.org_id
       AND i.role = org_members.role AND i.accepted_by = gh_caller() AND i.accepted_at = now())));
CREATE POLICY tenant_change ON org_members FOR UPDATE TO gatehouse_tenant
  USING (gh_org_role(org_id) = 'owner' OR (gh_org_role(org_id) = 'admin' AND role <> 'owner'))
  WITH CHECK (gh_org_role(org_id) = 'owner' OR (gh_org_role(org_id) = 'admin' AND role <> 'owner'));
CREATE POLICY tenant_remove ON org_members FOR DELETE TO gatehouse_tenant
  USING (user_id = gh_caller() OR gh_org_role(org_id) = 'owner'
         OR (gh_org_role(org_id) = 'admin' AND role <> 'owner'));

-- Invitations: admins see and make their organization's (owners alone invite owners); the
-- invited address sees its own and marks it accepted, once.
CREATE POLICY tenant_read ON org_invitations FOR SELECT TO gatehouse_tenant
  USING (tenant_id = gh_caller_tenant() AND (gh_org_role(org_id) IN ('owner', 'admin')
         OR lower(email) = lower(gh_caller_email())));
CREATE POLICY tenant_invite ON org_invitations FOR INSERT TO gatehouse_tenant
  WITH CHECK (tenant_id = gh_caller_tenant() AND invited_by = gh_caller()
              AND gh_org_role(org_id) IN ('owner', 'admin')
              AND (role <> 'owner' OR gh_org_role(org_id) = 'owner'));
CREATE POLICY tenant_accept ON org_invitations FOR UPDATE TO gatehouse_tenant
  USING (tenant_id = gh_caller_tenant() AND accepted_at IS NULL AND expires_at > now()
         AND lower(email) = lower(gh_caller_email()))
  WITH CHECK (accepted_by = gh_caller());

-- Records: a personal collection's rows are its owner's alone; an organization's rows are read
-- by its members and written by members, admins and owners (never viewers), and only inside a
-- transaction that names that organization.
CREATE POLICY tenant_personal ON records TO gatehouse_tenant
  USING (org_id IS NULL AND owner_id = gh_caller() AND tenant_id = gh_caller_tenant())
  WITH CHECK (org_id IS NULL AND owner_id = gh_caller() AND tenant_id = gh_caller_tenant());
CREATE POLICY tenant_org_read ON records FOR SELECT TO gatehouse_tenant
  USING (org_id = gh_caller_org() AND tenant_id = gh_caller_tenant()
         AND (SELECT gh_org_role(gh_caller_org())) IS NOT NULL);
CREATE POLICY tenant_org_insert ON records FOR INSERT TO gatehouse_tenant
  WITH CHECK (org_id = gh_caller_org() AND tenant_id = gh_caller_tenant()
              AND (SELECT gh_org_role(gh_caller_org())) IN ('owner', 'admin', 'member'));
CREATE POLICY tenant_org_update ON records FOR UPDATE TO gatehouse_tenant
  USING (org_id = gh_caller_org() AND tenant_id = gh_caller_tenant()
         AND (SELECT gh_org_role(gh_caller_org())) IN ('owner', 'admin', 'member'))
  WITH CHECK (org_id = gh_caller_org() AND tenant_id = gh_caller_tenant()
              AND (SELECT gh_org_role(gh_caller_org())) IN ('owner', 'admin', 'member'));
CREATE POLICY tenant_org_delete ON records FOR DELETE TO gatehouse_tenant
  USING (org_id = gh_caller_org() AND tenant_id = gh_caller_tenant()
         AND (SELECT gh_org_role(gh_caller_org())) IN ('owner', 'admin', 'member'));
