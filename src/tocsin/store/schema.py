"""The database schema: one SQLAlchemy ``MetaData`` shared by both databases.

Alembic migrations in ``store/migrations`` must produce exactly this schema; a test compares
them. Ids are text made by ``tocsin.ids`` so rows can be bulk-inserted without a round trip.

Longer than the house's 400 lines on purpose: the whole schema in one place is what
Alembic autogenerate and the migration test compare against, and what a reader wants
when looking up a table. The statements that use the tables live with their domains.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from tocsin.store.types import JSONText, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(32)

teams = Table(
    "teams",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("archived_at", UTCDateTime),
)

# Escalation policies as written in the world file (levels, repeat, fallback), one JSON
# document each; an incident keeps its own snapshot when it triggers.
escalation_policies = Table(
    "escalation_policies",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("definition", JSONText, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

services = Table(
    "services",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("team_id", ID, ForeignKey("teams.id")),
    # Whom its incidents page (NULL: nobody; `paging: {required: true}` refuses that).
    Column("escalation_policy_id", ID, ForeignKey("escalation_policies.id")),
    Column("tier", Integer, nullable=False, server_default="3"),
    Column("links", JSONText, nullable=False, server_default="[]"),
    # "open_incident": alerts join the service's open incident; "per_alert": one each.
    Column("incident_grouping", String(32), nullable=False, server_default="open_incident"),
    Column("auto_resolve_incidents", Boolean, nullable=False, server_default=text("true")),
    # Noise rules (NULL = off): hold new alerts this long (transient pause); resolve alerts
    # not triggered again for this long; hold alerts changing state more than
    # flap_changes times within flap_window_seconds.
    Column("pause_new_alerts_seconds", Integer),
    Column("auto_resolve_after_seconds", Integer),
    Column("flap_changes", Integer),
    Column("flap_window_seconds", Integer),
    # Grouping details: time_window mode joins incidents opened this recently; labels
    # mode groups alerts sharing these label values.
    Column("grouping_window_seconds", Integer),
    Column("grouping_labels", JSONText, nullable=False, server_default="[]"),
    # Paging: severity -> "high" | "low" where it differs from the default mapping;
    # support hours (restriction windows) low-urgency escalations wait for; how long an
    # acknowledgement holds before the incident triggers again (NULL: for ever).
    Column("urgency", JSONText, nullable=False, server_default="{}"),
    Column("support_hours", JSONText),
    Column("ack_timeout_seconds", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("archived_at", UTCDateTime),
)

integrations = Table(
    "integrations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("type", String(32), nullable=False),
    Column("key", String(128), nullable=False, unique=True),
    Column("rate_limit_per_minute", Integer),
    # Generic webhooks: JMESPath expressions saying where each alert field is.
    Column("mapping", JSONText),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("service_id", "name"),
)

change_sources = Table(
    "change_sources",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

change_source_services = Table(
    "change_source_services",
    metadata,
    Column("change_source_id", ID, ForeignKey("change_sources.id"), primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), primary_key=True),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", String(32), nullable=False),
    # What its alerts share (labels grouping: "alertname=X|cluster=Y"); "" otherwise.
    Column("group_key", String(500), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    # Snoozed: acknowledged until then, triggered again when it comes (escalation).
    Column("snoozed_until", UTCDateTime),
    Index(None, "service_id", "status"),
    Index(None, "created_at"),
    # The incident a new alert groups into: the newest open one of its (service, group).
    Index(
        "ix_incidents_open_group",
        "service_id",
        "group_key",
        "created_at",
        sqlite_where=text("status != 'resolved'"),
        postgresql_where=text("status != 'resolved'"),
    ),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), nullable=False),
    Column("integration_id", ID, nullable=False),
    Column("incident_id", ID, ForeignKey("incidents.id")),
    Column("dedup_key", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("summary", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("component", Text),
    Column("group_name", Text),
    Column("class_name", Text),
    Column("custom_details", JSONText),
    # Label set (Alertmanager labels, Opsgenie tags...): what silences, windows and
    # label grouping match on. PagerDuty events have none.
    Column("labels", JSONText, nullable=False, server_default="{}"),
    Column("links", JSONText, nullable=False, server_default="[]"),
    Column("images", JSONText, nullable=False, server_default="[]"),
    Column("client", Text),
    Column("client_url", Text),
    Column("occurred_at", UTCDateTime),
    Column("occurrences", Integer, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    # Why the alert opened no incident: "maintenance_window:NAME" or "silence:ID", and
    # until when that held. NULL for alerts that paged normally.
    Column("suppressed_by", String(250)),
    Column("suppressed_until", UTCDateTime),
    # The database, not the code, guarantees one open alert per (service, dedup key):
    # concurrent triggers, several processes or a retried batch can never create twins.
    Index(
        "uq_alerts_open_dedup",
        "service_id",
        "dedup_key",
        unique=True,
        sqlite_where=text("status != 'resolved'"),
        postgresql_where=text("status != 'resolved'"),
    ),
    # Every alert insert writes every index: keep only those reads need. Lists order and
    # page by id (ids sort by creation time), so created_at needs no index of its own.
    Index(None, "service_id", "dedup_key"),
    # An incident's alerts, and whether any is still triggered / open (its status).
    Index(None, "incident_id", "status"),
    Index(None, "status", "created_at"),
    # Only held alerts have a suppressed_until, and the hold sweep asks only for those.
    Index(
        None,
        "suppressed_until",
        sqlite_where=text("suppressed_until IS NOT NULL"),
        postgresql_where=text("suppressed_until IS NOT NULL"),
    ),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("received_at", UTCDateTime, nullable=False),
    Column("integration_id", ID, nullable=False),
    Column("service_id", ID, nullable=False),
    Column("alert_id", ID),
    Column("dedup_key", String(255), nullable=False),
    Column("action", String(16), nullable=False),
    # What the event did: created, appended, acknowledged, resolved, or ignored (PagerDuty
    # answers 202 to a follow-up with no open alert; we keep it so nothing answered is lost).
    Column("outcome", String(16), nullable=False),
    Column("payload", Text, nullable=False),
    # With the id: an alert's event log is paged in id order straight from the index.
    Index(None, "alert_id", "id"),
    # With the receive time: flap detection counts a key's recent changes by range scan,
    # however long its history.
    Index(None, "service_id", "dedup_key", "received_at"),
    # Retention deletes the oldest events first.
    Index(None, "received_at"),
)

changes = Table(
    "changes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), nullable=False),
    Column("origin", String(64), nullable=False),
    Column("summary", Text, nullable=False),
    Column("source", Text),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("custom_details", JSONText),
    Column("links", JSONText, nullable=False, server_default="[]"),
    Index(None, "service_id", "occurred_at"),
    Index(None, "occurred_at"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    # sha256 of the token: tokens are 256-bit random, so a fast hash is safe (no guessing).
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)


# An incident's escalation: its policy as it was when the escalation started (the policy
# may change later; this one does not), and where it is: which pass over the policy
# (``repeat``) and which level was paged last. ``state``: active, stopped (acknowledged,
# resolved, nobody to page) or exhausted (every level of every pass paged).
escalations = Table(
    "escalations",
    metadata,
    Column("incident_id", ID, ForeignKey("incidents.id"), primary_key=True),
    Column("policy", JSONText, nullable=False),
    Column("repeat", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    # active, deferred (low urgency waiting for support hours; "due": started by hand),
    # held (acknowledged; triggers again after the ack timeout or the snooze), stopped,
    # exhausted.
    Column("state", String(16), nullable=False),
    # Times the escalation started over (an ack timeout, a snooze ending): part of the
    # pages' keys, so a new round pages again.
    Column("round", Integer, nullable=False, server_default="0"),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Round robin: whose turn it is next at a level of a policy (by the policy's name).
escalation_turns = Table(
    "escalation_turns",
    metadata,
    Column("policy", String(200), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("next_turn", Integer, nullable=False),
)

# The outbox: one row per message to send (a page to one contact method of one user),
# written in the transaction that decided it and sent after it committed. The key is
# unique, so a replayed decision queues nothing twice, and travels with the message so
# a receiver can drop a repeat. A worker claims a row by taking its lease.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("idempotency_key", String(300), nullable=False, unique=True),
    Column("incident_id", ID, ForeignKey("incidents.id")),
    Column("user_name", String(200), nullable=False),
    Column("method_type", String(32), nullable=False),
    Column("address", Text, nullable=False),
    # Where the method's signing secret is (env:NAME, file:/path), never the secret.
    Column("secret_ref", String(300)),
    # Addresses to try, in order, when the one above fails (a JSON list; NULL: none).
    Column("fallback", JSONText),
    Column("message", JSONText, nullable=False),
    # pending (to send, or to retry at next_attempt_at), sent, failed, cancelled.
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime),
    Column("lease_owner", String(64)),
    Column("lease_expires_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    # Sent inside one message with others (notify.bundling): that message's key.
    Column("bundle_key", String(64)),
    Index(None, "state", "next_attempt_at"),
    # What was sent to a user lately: their rate limit and bundling window.
    Index(None, "user_name", "finished_at"),
    Index(None, "incident_id"),
)

# Secrets this installation makes for itself (the key that signs ack and resolve links),
# shared by every process of it.
instance_secrets = Table(
    "instance_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Every attempt to send a delivery: the delivery log.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("delivery_id", ID, ForeignKey("deliveries.id"), nullable=False),
    Column("channel", String(32), nullable=False),
    # The provider tried (webhook:hooks.example.com, smtp:relay:587): never a secret.
    Column("provider", String(200)),
    # sent, retry, failed; failover (failed, a later provider sent), skipped (breaker open)
    Column("outcome", String(16), nullable=False),
    Column("error", Text),
    Column("latency_ms", Integer, nullable=False),
    Column("attempted_at", UTCDateTime, nullable=False),
    Index(None, "delivery_id"),
)

# What happened to an incident, in order: levels paged, coverage gaps, deferrals, acks
# holding and timing out, snoozes, responders added by hand. ``actor``: a user or token
# name, or "tocsin" for what the engine did; ``detail``: JSON particular to ``kind``.
incident_events = Table(
    "incident_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("incident_id", ID, ForeignKey("incidents.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("detail", JSONText, nullable=False, server_default="{}"),
    Index(None, "incident_id", "at"),
)


timers = Table(
    "timers",
    metadata,
    # One row per (kind, subject): the subject's next firing. ``due_at`` NULL = not armed.
    Column("id", ID, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("due_at", UTCDateTime),
    Column("payload", JSONText, nullable=False, server_default="{}"),
    Column("fire_count", Integer, nullable=False, server_default="0"),
    Column("last_fired_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Bumped by every arm() (and cancel): a firing read before a re-arm is recognised as
    # stale and dropped.
    Column("generation", Integer, nullable=False, server_default="0"),
    # Failed firings in a row, the last one's error; after too many the timer is dead
    # (due_at NULL, dead_at set) until an operator retries it.
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("dead_at", UTCDateTime),
    UniqueConstraint("kind", "subject"),
    Index(None, "due_at"),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("services.id"), nullable=False),
    Column("name", String(200), nullable=False, unique=True),
    Column("key", String(128), nullable=False, unique=True),
    Column("interval_seconds", Integer, nullable=False),
    Column("grace_seconds", Integer, nullable=False, server_default="0"),
    Column("last_ping_at", UTCDateTime),
    # Set when the heartbeat expired (its alert is open); cleared by the next ping.
    Column("expired_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


silences = Table(
    "silences",
    metadata,
    Column("id", ID, primary_key=True),
    Column("matchers", JSONText, nullable=False),  # ["name=value", ...]
    Column("service_ids", JSONText, nullable=False, server_default="[]"),  # [] = all
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "ends_at"),
)

maintenance_windows = Table(
    "maintenance_windows",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    # The window as written in the world file (services, matchers, one-off or recurrence).
    Column("definition", JSONText, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # the natural key: "alice"
    Column("full_name", String(200), nullable=False, server_default=""),
    Column("email", String(320), nullable=False, server_default=""),
    Column("time_zone", String(64), nullable=False, server_default="UTC"),
    Column("contact_methods", JSONText, nullable=False, server_default="[]"),  # [{type, address}]
    # How to page them by urgency: {"high": [{"after": "2m", "via": "sms"}, ...], "low": ...}
    Column("notification_rules", JSONText, nullable=False, server_default="{}"),
    # The secret in the user's own iCalendar feed URL, generated on create.
    Column("feed_token", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One row per verified (or being verified) contact method, keyed by what it reaches:
# re-applying the world file keeps it; a changed address has no row, so it is unverified.
contact_verifications = Table(
    "contact_verifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("method_type", String(16), nullable=False),
    Column("address", Text, nullable=False),
    # "salt:hmac-sha256" of the pending code; NULL once used (or when none is pending).
    Column("code_hash", String(128)),
    Column("attempts", Integer, nullable=False, server_default="0"),  # wrong codes so far
    Column("expires_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("verified_at", UTCDateTime),
    # The last permanent delivery failure (a 401, a refused recipient); NULL after a success.
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "method_type", "address"),
)
# A test page: one message to each contact method of a user, through the outbox (key
# test/<id>/<index>), each with a link that confirms it arrived.
test_pages = Table(
    "test_pages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "user_id", "created_at"),
)
test_page_methods = Table(
    "test_page_methods",
    metadata,
    Column("test_page_id", ID, ForeignKey("test_pages.id", ondelete="CASCADE"), primary_key=True),
    Column("method_index", Integer, primary_key=True),
    Column("method_type", String(32), nullable=False),
    Column("address", Text, nullable=False),
    Column("confirmed_at", UTCDateTime),  # when its confirm link was posted
)

# One circuit breaker per provider (webhook:host, smtp:host:port, apprise:scheme), shared
# by every delivery worker; the arithmetic is notify/providers/breaker.py. ``version``
# makes every change a compare-and-set, so only one worker takes a half-open probe.
provider_breakers = Table(
    "provider_breakers",
    metadata,
    Column("provider", String(200), primary_key=True),
    Column("state", String(16), nullable=False),  # closed, open, half_open
    Column("failures", Integer, nullable=False, server_default="0"),  # in a row, in the window
    Column("window_start", UTCDateTime),
    Column("opened_at", UTCDateTime),
    # open: skipped until then; half_open: the probe's deadline (then another may probe).
    Column("open_until", UTCDateTime),
    Column("last_error", Text),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("id", ID, primary_key=True),
    Column("team_id", ID, ForeignKey("teams.id"), nullable=False),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("role", String(16), nullable=False, server_default="member"),  # manager | member
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("team_id", "user_id"),
)

schedules = Table(
    "schedules",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    # The schedule as written in the world file (zone, team, layers, overrides, shadows).
    Column("definition", JSONText, nullable=False),
    # The secret in the schedule's iCalendar feed URL, generated on create.
    Column("feed_token", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Overrides made through the API (the world file's own overrides live in the definition).
schedule_overrides = Table(
    "schedule_overrides",
    metadata,
    Column("id", ID, primary_key=True),
    Column("schedule_id", ID, ForeignKey("schedules.id"), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    # Set: the override only takes over the time this user would be on call (a swap).
    Column("replaces", String(200)),
    Index(None, "schedule_id", "ends_at"),
)

# Swap requests: ``from_user`` asks ``to_user`` to take their on-call time in
# [starts_at, ends_at). Accepting one writes the override (``replaces`` = from_user) in
# the same transaction. Rows die with their schedule; the override may be removed alone.
schedule_swaps = Table(
    "schedule_swaps",
    metadata,
    Column("id", ID, primary_key=True),
    Column("schedule_id", ID, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("from_user", String(200), nullable=False),
    Column("to_user", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    # requested | accepted | declined | cancelled
    Column("status", String(16), nullable=False, server_default="requested"),
    Column("requested_by", String(200), nullable=False, server_default=""),
    Column("comment", Text, nullable=False, server_default=""),
    Column("decided_by", String(200)),
    Column("decided_at", UTCDateTime),
    Column("override_id", ID, ForeignKey("schedule_overrides.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "schedule_id", "status"),
)

# Opsgenie Alert API requests, for GET /v2/alerts/requests/{id}: written in the same
# transaction as the request's alert event (see tocsin.api.ingest.opsgenie).
opsgenie_requests = Table(
    "opsgenie_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),
    Column("integration_id", ID, nullable=False),
    Column("action", String(32), nullable=False),
    Column("alias", String(512)),
    Column("alert_id", ID),
    # NULL when the request became an alert event: its outcome is that event's (matched
    # on integration, dedup key, action and received_at = created_at). Set when Tocsin
    # decided without one: no such alert, or an action it records but cannot apply yet.
    Column("status", Text),
    Column("success", Boolean),
    Column("processed_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The request (identifier and body) of actions Tocsin records but does not apply.
    Column("payload", Text),
    Index(None, "created_at"),
)
