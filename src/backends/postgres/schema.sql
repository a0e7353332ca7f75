-- creditsim's PostgreSQL ledger: the tables of a credit ledger and the ledger contract
-- (DESIGN.md, "Ledger semantics") as PL/pgSQL functions, one per call of the Ledger seam.
-- The migration runs inside a schema named per run, with search_path set to it.
--
-- Every function takes the account's row, runs what is due by the account's clock
-- (timeouts, expiries, renewals, warnings, in that order per instant), does its work,
-- appends the events it produced to `events`, and returns them followed by one `outcome`
-- row. The strategy flags decide how concurrent calls are kept apart:
--   p_lock         SELECT ... FOR UPDATE on the account, then on the pool's lots by lot id;
--   p_conditional  no lock: lots are decremented with UPDATE ... WHERE remaining >= n, and
--                  the journal's primary key (account, seq) refuses a second writer of the
--                  same seq; either raises and the call is retried;
--   p_dedup        consult the idempotency table (false only for the no-dedup flaw);
--   p_stale        a plan read by an earlier statement (only for the racy flaw).
-- Under SERIALIZABLE isolation (set on the connection) neither lock nor condition is used.

CREATE TABLE accounts (
    id               integer PRIMARY KEY,
    now_ms           bigint   NOT NULL DEFAULT 0,  -- the largest time any call carried
    next_seq         bigint   NOT NULL DEFAULT 0,  -- the seq of the account's next event
    next_lot         integer  NOT NULL DEFAULT 0,  -- the id of its next lot
    anchor_ms        bigint   NOT NULL,            -- billing cycles count from here
    key_retention_ms bigint   NOT NULL,            -- closed keys are forgotten after this
    entitled         text[],                       -- actions allowed; NULL means all
    unlimited        text[]   NOT NULL DEFAULT '{}',
    warn_thresholds  bigint[] NOT NULL DEFAULT '{}'
) WITH (fillfactor = 50);

-- Grants made on a schedule (allowances, add-on units), one row per grant of the plan.
CREATE TABLE recurring (
    account      integer  NOT NULL REFERENCES accounts,
    idx          integer  NOT NULL,  -- the order the plan lists them, which renewals follow
    label        text     NOT NULL,
    source       text     NOT NULL,
    pool         text     NOT NULL,
    credits      bigint   NOT NULL,
    every_months integer  NOT NULL,
    cycle_months integer  NOT NULL,
    priority     smallint NOT NULL,
    next_k       bigint   NOT NULL DEFAULT 0,  -- the number of the next grant
    due_ms       bigint,                       -- when it is due; NULL means never
    PRIMARY KEY (account, idx)
);

CREATE TABLE lots (
    account       integer  NOT NULL REFERENCES accounts,
    lot           integer  NOT NULL,
    pool          text     NOT NULL,
    source        text     NOT NULL,
    granted       bigint   NOT NULL,
    remaining     bigint   NOT NULL,
    effective_ms  bigint   NOT NULL,
    expires_at_ms bigint,            -- NULL means never
    priority      smallint NOT NULL,
    PRIMARY KEY (account, lot)
) WITH (fillfactor = 50);

CREATE TABLE holds (
    account       integer NOT NULL REFERENCES accounts,
    serial        bigint  NOT NULL,  -- the seq of its reserved event
    key           text    NOT NULL,
    pool          text    NOT NULL,
    action        text    NOT NULL,
    credits       bigint  NOT NULL,
    made_at_ms    bigint  NOT NULL,
    expires_at_ms bigint  NOT NULL,
    state         text    NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'committed', 'released', 'timed_out')),
    charged       bigint,
    closed_at_ms  bigint,
    PRIMARY KEY (account, serial)
) WITH (fillfactor = 50);
CREATE INDEX holds_open ON holds (account, expires_at_ms, serial) WHERE state = 'open';
CREATE INDEX holds_key ON holds (account, key, serial);

-- What each hold took from which lot, in consumption order.
CREATE TABLE hold_draws (
    account integer NOT NULL,
    serial  bigint  NOT NULL,
    ord     integer NOT NULL,
    lot     integer NOT NULL,
    credits bigint  NOT NULL,
    PRIMARY KEY (account, serial, ord),
    FOREIGN KEY (account, serial) REFERENCES holds
);

-- One row per request key: a repeat with the same request hash gets the first outcome.
CREATE TABLE idempotency (
    account      integer NOT NULL REFERENCES accounts,
    key          text    NOT NULL,
    request_hash text    NOT NULL,
    outcome      text    NOT NULL
                 CHECK (outcome IN ('reserved', 'unlimited', 'insufficient', 'not_entitled',
                                    'granted')),
    available    bigint,   -- for insufficient: the balance the request was refused against
    lot          integer,  -- for granted: the lot made
    hold_serial  bigint,   -- for reserved: the hold
    ttl_ms       bigint,   -- for reserved: a repeat must ask for the same ttl
    at_ms        bigint  NOT NULL,
    PRIMARY KEY (account, key)
);

-- The journal: append-only, the source of truth that the checker and journal.csv read.
CREATE TABLE events (
    account       integer  NOT NULL,
    seq           bigint   NOT NULL,
    at_ms         bigint   NOT NULL,
    kind          text     NOT NULL,
    key           text,
    pool          text,
    action        text,
    lot           integer,
    source        text,
    credits       bigint,
    expires_at_ms bigint,
    priority      smallint,
    draws         bigint[],  -- (lot, credits) pairs, flattened
    returned      bigint[],  -- likewise
    reason        text,
    available     bigint,
    threshold     bigint,
    timed_out     boolean,
    PRIMARY KEY (account, seq)
);
CREATE RULE events_append_only_update AS ON UPDATE TO events DO INSTEAD NOTHING;
CREATE RULE events_append_only_delete AS ON DELETE TO events DO INSTEAD NOTHING;

-- What every function returns: the events it appended, then one row of kind 'outcome'
-- whose reason names the outcome and whose columns carry its values.
CREATE TYPE reply AS (
    seq bigint, at_ms bigint, kind text, key text, pool text, action text, lot integer,
    source text, credits bigint, expires_at_ms bigint, priority smallint, draws bigint[],
    returned bigint[], reason text, available bigint, threshold bigint, timed_out boolean
);

-- The time `months` calendar months after `anchor_ms`, day clamped to shorter months and
-- time of day kept, as ledger::calendar::add_months.
CREATE FUNCTION add_months(anchor_ms bigint, months bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract(epoch FROM
        (timestamp '1970-01-01'
            + make_interval(days => (anchor_ms / 86400000)::int,
                            secs => ((anchor_ms % 86400000) / 1000.0)::float8))
        + make_interval(months => months::int)) * 1000)::bigint
$$;

CREATE FUNCTION renewal_due(anchor_ms bigint, every integer, k bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN every = 0 THEN CASE WHEN k = 0 THEN anchor_ms END
                ELSE add_months(anchor_ms, k * every) END
$$;

CREATE FUNCTION renewal_expiry(anchor_ms bigint, every integer, cycle integer, k bigint)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN cycle = 0 THEN NULL
                ELSE add_months(anchor_ms, ((k * every) / cycle + 1) * cycle) END
$$;

CREATE FUNCTION emit(p_account integer, p_seq bigint, p_at bigint, p_kind text,
    p_key text DEFAULT NULL, p_pool text DEFAULT NULL, p_action text DEFAULT NULL,
    p_lot integer DEFAULT NULL, p_source text DEFAULT NULL, p_credits bigint DEFAULT NULL,
    p_expires bigint DEFAULT NULL, p_priority smallint DEFAULT NULL,
    p_draws bigint[] DEFAULT NULL, p_returned bigint[] DEFAULT NULL,
    p_reason text DEFAULT NULL, p_available bigint DEFAULT NULL,
    p_threshold bigint DEFAULT NULL, p_timed_out boolean DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events VALUES (p_account, p_seq, p_at, p_kind, p_key, p_pool, p_action, p_lot,
        p_source, p_credits, p_expires, p_priority, p_draws, p_returned, p_reason,
        p_available, p_threshold, p_timed_out);
    RETURN p_seq + 1;
END $$;

CREATE FUNCTION available(p_account integer, p_pool text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(greatest(remaining, 0)), 0)::bigint FROM lots
    WHERE account = p_account AND pool = p_pool
$$;

-- Takes the account's row (locked for the row-lock strategy). Raises CS404 if unknown.
CREATE FUNCTION open_account(p_account integer, p_lock boolean) RETURNS accounts
LANGUAGE plpgsql AS $$
DECLARE acc accounts;
BEGIN
    IF p_lock THEN
        SELECT * INTO acc FROM accounts WHERE id = p_account FOR UPDATE;
    ELSE
        SELECT * INTO acc FROM accounts WHERE id = p_account;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'account % does not exist', p_account USING ERRCODE = 'CS404';
    END IF;
    RETURN acc;
END $$;

-- Moves the account's clock and seq on, once at the end of a call.
CREATE FUNCTION finish(acc accounts, p_now bigint, p_seq bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF p_now > acc.now_ms OR p_seq > acc.next_seq THEN
        UPDATE accounts SET now_ms = greatest(now_ms, p_now), next_seq = greatest(next_seq, p_seq)
        WHERE id = acc.id;
    END IF;
END $$;

-- Journals the immediate expiry of credits returned to lots that have expired by p_at.
CREATE FUNCTION expire_returns(p_account integer, p_seq bigint, p_pool text,
    p_returned bigint[], p_at bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE i integer; v_lot integer; v_credits bigint;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_returned, 1), 0) / 2 LOOP
        v_lot := p_returned[2 * i - 1]; v_credits := p_returned[2 * i];
        UPDATE lots SET remaining = remaining - v_credits
        WHERE account = p_account AND lot = v_lot AND expires_at_ms <= p_at;
        IF FOUND THEN
            p_seq := emit(p_account, p_seq, p_at, 'expired', p_pool => p_pool, p_lot => v_lot,
                          p_credits => v_credits);
        END IF;
    END LOOP;
    RETURN p_seq;
END $$;

-- Returns an open hold to its lots: released by its caller, or timed out by the account.
CREATE FUNCTION return_hold(p_account integer, p_seq bigint, h holds, p_timed_out boolean,
    p_at bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE d record; v_returned bigint[] := '{}';
BEGIN
    FOR d IN SELECT lot, credits FROM hold_draws
             WHERE account = p_account AND serial = h.serial ORDER BY ord LOOP
        v_returned := v_returned || ARRAY[d.lot::bigint, d.credits];
        UPDATE lots SET remaining = remaining + d.credits
        WHERE account = p_account AND lot = d.lot;
    END LOOP;
    UPDATE holds SET state = CASE WHEN p_timed_out THEN 'timed_out' ELSE 'released' END,
                     charged = 0, closed_at_ms = p_at
    WHERE account = p_account AND serial = h.serial;
    p_seq := emit(p_account, p_seq, p_at, 'released', p_key => h.key, p_pool => h.pool,
                  p_returned => v_returned, p_timed_out => p_timed_out);
    RETURN expire_returns(p_account, p_seq, h.pool, v_returned, p_at);
END $$;

-- Raises a warning for each threshold the pool's balance fell below since p_before.
CREATE FUNCTION warn(acc accounts, p_seq bigint, p_pool text, p_before bigint, p_at bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_after bigint; t bigint;
BEGIN
    IF cardinality(acc.warn_thresholds) = 0 THEN RETURN p_seq; END IF;
    v_after := available(acc.id, p_pool);
    IF v_after >= p_before THEN RETURN p_seq; END IF;
    FOREACH t IN ARRAY acc.warn_thresholds LOOP
        IF p_before >= t AND v_after < t THEN
            p_seq := emit(acc.id, p_seq, p_at, 'warning', p_pool => p_pool, p_threshold => t,
                          p_available => v_after);
        END IF;
    END LOOP;
    RETURN p_seq;
END $$;

-- Makes the scheduled grants due at p_at, in the order the plan lists them.
CREATE FUNCTION renew(acc accounts, p_seq bigint, p_at bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE r recurring; v_lot integer; v_credits bigint; v_expires bigint; v_granted numeric;
BEGIN
    FOR r IN SELECT * FROM recurring WHERE account = acc.id AND due_ms = p_at ORDER BY idx LOOP
        SELECT coalesce(sum(granted), 0) INTO v_granted FROM lots
        WHERE account = acc.id AND pool = r.pool;
        v_credits := CASE WHEN v_granted + r.credits <= 9223372036854775807 THEN r.credits
                          ELSE 0 END;
        v_expires := renewal_expiry(acc.anchor_ms, r.every_months, r.cycle_months, r.next_k);
        UPDATE accounts SET next_lot = next_lot + 1 WHERE id = acc.id
        RETURNING next_lot - 1 INTO v_lot;
        INSERT INTO lots VALUES (acc.id, v_lot, r.pool, r.source, v_credits, v_credits, p_at,
                                 v_expires, r.priority);
        p_seq := emit(acc.id, p_seq, p_at, 'granted',
                      p_key => 'renew:' || r.label || ':' || r.next_k, p_lot => v_lot,
                      p_pool => r.pool, p_source => r.source, p_credits => v_credits,
                      p_expires => v_expires, p_priority => r.priority);
        UPDATE recurring SET next_k = next_k + 1,
                             due_ms = renewal_due(acc.anchor_ms, every_months, next_k + 1)
        WHERE account = acc.id AND idx = r.idx;
    END LOOP;
    RETURN p_seq;
END $$;

-- Everything due at p_at: timeouts, then expiries, then renewals, then warnings.
CREATE FUNCTION run_due(acc accounts, p_seq bigint, p_at bigint, p_renew boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE h holds; l record; v_pools text[]; v_before bigint[]; i integer;
BEGIN
    IF cardinality(acc.warn_thresholds) > 0 THEN
        SELECT array_agg(pool ORDER BY pool COLLATE "C"),
               array_agg(available ORDER BY pool COLLATE "C")
        INTO v_pools, v_before FROM (
            SELECT pool, sum(greatest(remaining, 0))::bigint AS available FROM lots
            WHERE account = acc.id GROUP BY pool) x;
    END IF;
    FOR h IN SELECT * FROM holds WHERE account = acc.id AND state = 'open'
             AND expires_at_ms <= p_at ORDER BY expires_at_ms, serial LOOP
        p_seq := return_hold(acc.id, p_seq, h, true, p_at);
    END LOOP;
    FOR l IN SELECT pool, lot, remaining FROM lots WHERE account = acc.id AND remaining > 0
             AND expires_at_ms <= p_at
             ORDER BY pool COLLATE "C", expires_at_ms, priority, lot LOOP
        UPDATE lots SET remaining = 0 WHERE account = acc.id AND lot = l.lot;
        p_seq := emit(acc.id, p_seq, p_at, 'expired', p_pool => l.pool, p_lot => l.lot,
                      p_credits => l.remaining);
    END LOOP;
    IF p_renew THEN
        p_seq := renew(acc, p_seq, p_at);
    END IF;
    FOR i IN 1 .. coalesce(cardinality(v_pools), 0) LOOP
        p_seq := warn(acc, p_seq, v_pools[i], v_before[i], p_at);
    END LOOP;
    RETURN p_seq;
END $$;

-- Runs every change due at or before p_target, in time order.
CREATE FUNCTION run_until(acc accounts, p_seq bigint, p_target bigint, p_renew boolean)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE v_due bigint;
BEGIN
    LOOP
        SELECT least(
            (SELECT min(expires_at_ms) FROM holds WHERE account = acc.id AND state = 'open'),
            (SELECT min(expires_at_ms) FROM lots WHERE account = acc.id AND remaining > 0),
            CASE WHEN p_renew THEN
                (SELECT min(due_ms) FROM recurring WHERE account = acc.id) END)
        INTO v_due;
        EXIT WHEN v_due IS NULL OR v_due > p_target;
        p_seq := run_due(acc, p_seq, v_due, p_renew);
    END LOOP;
    RETURN p_seq;
END $$;

-- The events a call appended, then its outcome row.
CREATE FUNCTION replies(p_account integer, p_from bigint, p_to bigint, p_outcome reply)
RETURNS SETOF reply LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT e.seq, e.at_ms, e.kind, e.key, e.pool, e.action, e.lot, e.source,
        e.credits, e.expires_at_ms, e.priority, e.draws, e.returned, e.reason, e.available,
        e.threshold, e.timed_out
        FROM events e WHERE e.account = p_account AND e.seq >= p_from AND e.seq < p_to
        ORDER BY e.seq;
    p_outcome.kind := 'outcome';
    RETURN NEXT p_outcome;
END $$;

-- A key's live record: NULL when unknown or forgotten (closed longer ago than retention).
CREATE FUNCTION live_key(acc accounts, p_key text, p_now bigint) RETURNS idempotency
LANGUAGE plpgsql AS $$
DECLARE rec idempotency; v_closed bigint;
BEGIN
    SELECT * INTO rec FROM idempotency WHERE account = acc.id AND key = p_key;
    IF NOT FOUND THEN RETURN NULL; END IF;
    IF rec.outcome = 'reserved' THEN
        SELECT closed_at_ms INTO v_closed FROM holds
        WHERE account = acc.id AND serial = rec.hold_serial;
    ELSIF rec.outcome <> 'granted' THEN
        v_closed := rec.at_ms;
    END IF;
    IF v_closed IS NOT NULL AND v_closed::numeric + acc.key_retention_ms <= p_now THEN
        RETURN NULL;
    END IF;
    RETURN rec;
END $$;

-- The hold a live key names, or the latest one under the key when keys are not deduplicated.
CREATE FUNCTION hold_of(acc accounts, p_key text, p_now bigint, p_dedup boolean)
RETURNS holds LANGUAGE plpgsql AS $$
DECLARE rec idempotency; h holds;
BEGIN
    IF p_dedup THEN
        rec := live_key(acc, p_key, p_now);
        IF rec.outcome = 'reserved' THEN
            SELECT * INTO h FROM holds WHERE account = acc.id AND serial = rec.hold_serial;
        END IF;
    ELSE
        SELECT * INTO h FROM holds WHERE account = acc.id AND key = p_key
        ORDER BY serial DESC LIMIT 1;
    END IF;
    RETURN h;
END $$;

CREATE FUNCTION claim_key(p_account integer, p_key text, p_hash text, p_outcome text,
    p_at bigint, p_available bigint DEFAULT NULL, p_lot integer DEFAULT NULL,
    p_serial bigint DEFAULT NULL, p_ttl bigint DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO idempotency VALUES (p_account, p_key, p_hash, p_outcome, p_available, p_lot,
                                    p_serial, p_ttl, p_at)
    ON CONFLICT (account, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
        outcome = EXCLUDED.outcome, available = EXCLUDED.available, lot = EXCLUDED.lot,
        hold_serial = EXCLUDED.hold_serial, ttl_ms = EXCLUDED.ttl_ms, at_ms = EXCLUDED.at_ms
$$;

-- Takes p_credits from the pool's lots in consumption order: earliest expiry first
-- (never-expiring last), then priority, then the oldest. Returns the draws, flattened.
-- A stale plan (the racy flaw) is written back as absolute values, losing concurrent
-- updates; a conditional one refuses to take more than a lot has.
CREATE FUNCTION take_lots(p_account integer, p_pool text, p_credits bigint, p_lock boolean,
    p_conditional boolean, p_stale bigint[]) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE l record; v_left bigint := p_credits; v_take bigint; v_draws bigint[] := '{}'; i integer;
BEGIN
    IF p_stale IS NOT NULL THEN
        FOR i IN 1 .. coalesce(array_length(p_stale, 1), 0) / 2 LOOP
            EXIT WHEN v_left = 0;
            v_take := least(v_left, p_stale[2 * i]);
            CONTINUE WHEN v_take <= 0;
            UPDATE lots SET remaining = p_stale[2 * i] - v_take
            WHERE account = p_account AND lot = p_stale[2 * i - 1];
            v_draws := v_draws || ARRAY[p_stale[2 * i - 1], v_take];
            v_left := v_left - v_take;
        END LOOP;
        RETURN v_draws;
    END IF;
    IF p_lock THEN
        PERFORM 1 FROM lots WHERE account = p_account AND pool = p_pool AND remaining > 0
        ORDER BY lot FOR UPDATE;
    END IF;
    FOR l IN SELECT lot, remaining FROM lots
             WHERE account = p_account AND pool = p_pool AND remaining > 0
             ORDER BY expires_at_ms NULLS LAST, priority, lot LOOP
        EXIT WHEN v_left = 0;
        v_take := least(v_left, l.remaining);
        IF p_conditional THEN
            UPDATE lots SET remaining = remaining - v_take
            WHERE account = p_account AND lot = l.lot AND remaining >= v_take;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'lot % changed under a conditional update', l.lot
                    USING ERRCODE = 'CS409';
            END IF;
        ELSE
            UPDATE lots SET remaining = remaining - v_take
            WHERE account = p_account AND lot = l.lot;
        END IF;
        v_draws := v_draws || ARRAY[l.lot::bigint, v_take];
        v_left := v_left - v_take;
    END LOOP;
    RETURN v_draws;
END $$;

-- A reserve under a key not in use: refused (not entitled, insufficient), unlimited, or held.
-- Returns the outcome, with the account's next seq in its seq column.
CREATE FUNCTION reserve_new(acc accounts, p_seq bigint, p_now bigint, p_key text,
    p_pool text, p_action text, p_credits bigint, p_ttl bigint, p_hash text, p_lock boolean,
    p_conditional boolean, p_dedup boolean, p_stale bigint[], p_refuse boolean)
RETURNS reply LANGUAGE plpgsql AS $$
DECLARE o reply; v_available bigint; v_draws bigint[]; v_expires bigint; i integer;
BEGIN
    IF acc.entitled IS NOT NULL AND NOT (p_action = ANY (acc.entitled)) THEN
        o.seq := emit(acc.id, p_seq, p_now, 'rejected', p_key => p_key, p_pool => p_pool,
                      p_action => p_action, p_credits => p_credits, p_reason => 'not_entitled');
        PERFORM claim_key(acc.id, p_key, p_hash, 'not_entitled', p_now);
        o.reason := 'not_entitled';
        RETURN o;
    ELSIF p_action = ANY (acc.unlimited) THEN
        o.seq := emit(acc.id, p_seq, p_now, 'unlimited', p_key => p_key, p_pool => p_pool,
                      p_action => p_action, p_credits => p_credits);
        PERFORM claim_key(acc.id, p_key, p_hash, 'unlimited', p_now);
        o.reason := 'unlimited';
        RETURN o;
    END IF;
    IF p_stale IS NOT NULL THEN
        SELECT coalesce(sum(greatest(p_stale[2 * g], 0)), 0) INTO v_available
        FROM generate_series(1, coalesce(array_length(p_stale, 1), 0) / 2) g;
    ELSE
        v_available := available(acc.id, p_pool);
    END IF;
    IF p_refuse OR v_available < p_credits THEN
        o.seq := emit(acc.id, p_seq, p_now, 'rejected', p_key => p_key, p_pool => p_pool,
                      p_action => p_action, p_credits => p_credits,
                      p_reason => 'insufficient', p_available => v_available);
        PERFORM claim_key(acc.id, p_key, p_hash, 'insufficient', p_now,
                          p_available => v_available);
        o.reason := 'insufficient'; o.available := v_available; o.credits := p_credits;
        RETURN o;
    END IF;
    v_draws := take_lots(acc.id, p_pool, p_credits, p_lock, p_conditional, p_stale);
    v_expires := least(p_now::numeric + p_ttl, 9223372036854775807)::bigint;
    INSERT INTO holds (account, serial, key, pool, action, credits, made_at_ms, expires_at_ms)
    VALUES (acc.id, p_seq, p_key, p_pool, p_action, p_credits, p_now, v_expires);
    FOR i IN 1 .. coalesce(array_length(v_draws, 1), 0) / 2 LOOP
        INSERT INTO hold_draws VALUES (acc.id, p_seq, i, v_draws[2 * i - 1], v_draws[2 * i]);
    END LOOP;
    IF p_dedup THEN
        PERFORM claim_key(acc.id, p_key, p_hash, 'reserved', p_now, p_serial => p_seq,
                          p_ttl => p_ttl);
    END IF;
    o.seq := emit(acc.id, p_seq, p_now, 'reserved', p_key => p_key, p_pool => p_pool,
                  p_action => p_action, p_credits => p_credits, p_expires => v_expires,
                  p_draws => v_draws);
    o.seq := warn(acc, o.seq, p_pool, v_available, p_now);
    o.reason := 'reserved'; o.credits := p_credits; o.expires_at_ms := v_expires;
    RETURN o;
END $$;

CREATE FUNCTION reserve(p_account integer, p_at bigint, p_key text, p_pool text,
    p_action text, p_credits bigint, p_ttl bigint, p_lock boolean, p_conditional boolean,
    p_dedup boolean, p_stale bigint[], p_refuse boolean) RETURNS SETOF reply
LANGUAGE plpgsql AS $$
DECLARE
    acc accounts; v_now bigint; v_seq bigint; rec idempotency; h holds; o reply;
    v_hash text := md5('reserve|' || p_pool || '|' || p_action || '|' || p_credits);
BEGIN
    acc := open_account(p_account, p_lock);
    v_now := greatest(acc.now_ms, p_at);
    v_seq := run_until(acc, acc.next_seq, v_now, true);
    IF p_dedup THEN
        rec := live_key(acc, p_key, v_now);
        IF rec.outcome = 'reserved' THEN
            SELECT * INTO h FROM holds WHERE account = acc.id AND serial = rec.hold_serial;
        END IF;
    END IF;
    IF rec.key IS NULL THEN
        o := reserve_new(acc, v_seq, v_now, p_key, p_pool, p_action, p_credits, p_ttl, v_hash,
                         p_lock, p_conditional, p_dedup, p_stale, p_refuse);
        v_seq := o.seq; o.seq := NULL;
    ELSIF rec.request_hash <> v_hash
          OR (rec.outcome = 'reserved' AND rec.ttl_ms IS DISTINCT FROM p_ttl) THEN
        o.reason := 'key_conflict';
    ELSIF rec.outcome = 'reserved' THEN
        o.reason := 'reserved'; o.credits := h.credits; o.expires_at_ms := h.expires_at_ms;
    ELSE
        o.reason := rec.outcome; o.available := rec.available; o.credits := p_credits;
    END IF;
    PERFORM finish(acc, v_now, v_seq);
    RETURN QUERY SELECT * FROM replies(acc.id, acc.next_seq, v_seq, o);
END $$;

-- Splits a hold's draws at a charge: taken in draw order, the rest returned.
CREATE FUNCTION split_draws(p_account integer, p_serial bigint, p_charged bigint,
    OUT charged_from bigint[], OUT returned bigint[]) LANGUAGE plpgsql AS $$
DECLARE d record; v_left bigint := p_charged; v_take bigint;
BEGIN
    charged_from := '{}'; returned := '{}';
    FOR d IN SELECT lot, credits FROM hold_draws
             WHERE account = p_account AND serial = p_serial ORDER BY ord LOOP
        v_take := least(v_left, d.credits);
        v_left := v_left - v_take;
        IF v_take > 0 THEN charged_from := charged_from || ARRAY[d.lot::bigint, v_take]; END IF;
        IF d.credits > v_take THEN
            returned := returned || ARRAY[d.lot::bigint, d.credits - v_take];
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION commit_hold(p_account integer, p_at bigint, p_key text, p_credits bigint,
    p_lock boolean, p_conditional boolean, p_dedup boolean) RETURNS SETOF reply
LANGUAGE plpgsql AS $$
DECLARE
    acc accounts; v_now bigint; v_seq bigint; rec idempotency; h holds; o reply;
    v_from bigint[]; v_returned bigint[]; i integer;
BEGIN
    acc := open_account(p_account, p_lock);
    v_now := greatest(acc.now_ms, p_at);
    v_seq := run_until(acc, acc.next_seq, v_now, true);
    h := hold_of(acc, p_key, v_now, p_dedup);
    IF h.serial IS NULL THEN
        o.reason := 'no_hold';
    ELSIF h.state = 'open' AND p_credits > h.credits THEN
        o.reason := 'exceeds_hold'; o.available := h.credits; o.credits := p_credits;
    ELSIF h.state = 'open' THEN
        SELECT * INTO v_from, v_returned FROM split_draws(acc.id, h.serial, p_credits);
        FOR i IN 1 .. coalesce(array_length(v_returned, 1), 0) / 2 LOOP
            UPDATE lots SET remaining = remaining + v_returned[2 * i]
            WHERE account = acc.id AND lot = v_returned[2 * i - 1];
        END LOOP;
        UPDATE holds SET state = 'committed', charged = p_credits, closed_at_ms = v_now
        WHERE account = acc.id AND serial = h.serial;
        v_seq := emit(acc.id, v_seq, v_now, 'committed', p_key => h.key, p_pool => h.pool,
                      p_credits => p_credits, p_draws => v_from, p_returned => v_returned);
        v_seq := expire_returns(acc.id, v_seq, h.pool, v_returned, v_now);
        o.reason := 'committed'; o.credits := p_credits; o.available := h.credits - p_credits;
    ELSIF h.state = 'committed' AND NOT p_dedup
          AND available(acc.id, h.pool) >= h.charged THEN
        -- The no-dedup flaw: a retried commit charges again.
        v_from := take_lots(acc.id, h.pool, h.charged, p_lock, p_conditional, NULL);
        v_seq := emit(acc.id, v_seq, v_now, 'committed', p_key => h.key, p_pool => h.pool,
                      p_credits => h.charged, p_draws => v_from, p_returned => '{}');
        o.reason := 'committed'; o.credits := h.charged; o.available := 0;
    ELSIF h.state = 'committed' AND h.charged = p_credits THEN
        o.reason := 'committed'; o.credits := h.charged; o.available := h.credits - h.charged;
    ELSIF h.state = 'committed' THEN
        o.reason := 'key_conflict';
    ELSE
        o.reason := 'hold_closed'; o.source := h.state;
    END IF;
    PERFORM finish(acc, v_now, v_seq);
    RETURN QUERY SELECT * FROM replies(acc.id, acc.next_seq, v_seq, o);
END $$;

CREATE FUNCTION release_hold(p_account integer, p_at bigint, p_key text, p_lock boolean,
    p_dedup boolean) RETURNS SETOF reply LANGUAGE plpgsql AS $$
DECLARE acc accounts; v_now bigint; v_seq bigint; rec idempotency; h holds; o reply;
BEGIN
    acc := open_account(p_account, p_lock);
    v_now := greatest(acc.now_ms, p_at);
    v_seq := run_until(acc, acc.next_seq, v_now, true);
    h := hold_of(acc, p_key, v_now, p_dedup);
    IF h.serial IS NULL THEN
        o.reason := 'no_hold';
    ELSIF h.state = 'open' THEN
        v_seq := return_hold(acc.id, v_seq, h, false, v_now);
        o.reason := 'released'; o.credits := h.credits;
    ELSIF h.state = 'released' THEN
        o.reason := 'released'; o.credits := h.credits;
    ELSE
        o.reason := 'hold_closed'; o.source := h.state;
    END IF;
    PERFORM finish(acc, v_now, v_seq);
    RETURN QUERY SELECT * FROM replies(acc.id, acc.next_seq, v_seq, o);
END $$;

CREATE FUNCTION grant_lot(p_account integer, p_at bigint, p_key text, p_pool text,
    p_credits bigint, p_source text, p_expires bigint, p_priority smallint, p_lock boolean)
RETURNS SETOF reply LANGUAGE plpgsql AS $$
DECLARE
    acc accounts; v_now bigint; v_seq bigint; rec idempotency; h holds; o reply;
    v_lot integer; v_granted numeric;
    v_hash text := md5('grant|' || p_pool || '|' || p_credits || '|' || p_source || '|'
                       || coalesce(p_expires::text, 'never') || '|' || p_priority);
BEGIN
    acc := open_account(p_account, p_lock);
    v_now := greatest(acc.now_ms, p_at);
    v_seq := run_until(acc, acc.next_seq, v_now, true);
    rec := live_key(acc, p_key, v_now);
    SELECT coalesce(sum(granted), 0) INTO v_granted FROM lots
    WHERE account = acc.id AND pool = p_pool;
    IF starts_with(p_key, 'renew:') THEN
        o.reason := 'key_conflict';
    ELSIF rec.key IS NOT NULL THEN
        IF rec.outcome = 'granted' AND rec.request_hash = v_hash THEN
            o.reason := 'granted'; o.lot := rec.lot;
        ELSE
            o.reason := 'key_conflict';
        END IF;
    ELSIF v_granted + p_credits > 9223372036854775807 THEN
        o.reason := 'overflow';
    ELSE
        UPDATE accounts SET next_lot = next_lot + 1 WHERE id = acc.id
        RETURNING next_lot - 1 INTO v_lot;
        INSERT INTO lots VALUES (acc.id, v_lot, p_pool, p_source, p_credits, p_credits, v_now,
                                 p_expires, p_priority);
        v_seq := emit(acc.id, v_seq, v_now, 'granted', p_key => p_key, p_lot => v_lot,
                      p_pool => p_pool, p_source => p_source, p_credits => p_credits,
                      p_expires => p_expires, p_priority => p_priority);
        PERFORM claim_key(acc.id, p_key, v_hash, 'granted', v_now, p_lot => v_lot);
        IF p_expires <= v_now AND p_credits > 0 THEN
            UPDATE lots SET remaining = 0 WHERE account = acc.id AND lot = v_lot;
            v_seq := emit(acc.id, v_seq, v_now, 'expired', p_pool => p_pool, p_lot => v_lot,
                          p_credits => p_credits);
        END IF;
        o.reason := 'granted'; o.lot := v_lot;
    END IF;
    PERFORM finish(acc, v_now, v_seq);
    RETURN QUERY SELECT * FROM replies(acc.id, acc.next_seq, v_seq, o);
END $$;

-- Brings the account to p_at (p_close: ends its run there, withholding the renewals due
-- at that instant) and reads a pool's balance.
CREATE FUNCTION advance(p_account integer, p_at bigint, p_pool text, p_close boolean,
    p_lock boolean) RETURNS SETOF reply LANGUAGE plpgsql AS $$
DECLARE acc accounts; v_now bigint; v_seq bigint; o reply;
BEGIN
    acc := open_account(p_account, p_lock);
    v_now := greatest(acc.now_ms, p_at);
    v_seq := acc.next_seq;
    IF p_close THEN
        IF v_now > acc.now_ms THEN
            v_seq := run_until(acc, v_seq, v_now - 1, true);
        END IF;
        v_seq := run_until(acc, v_seq, v_now, false);
    ELSE
        v_seq := run_until(acc, v_seq, v_now, true);
    END IF;
    o.reason := 'balance';
    IF p_pool IS NOT NULL THEN
        o.available := available(acc.id, p_pool);
        SELECT coalesce(sum(credits), 0) INTO o.credits FROM holds
        WHERE account = acc.id AND pool = p_pool AND state = 'open';
    END IF;
    PERFORM finish(acc, v_now, v_seq);
    RETURN QUERY SELECT * FROM replies(acc.id, acc.next_seq, v_seq, o);
END $$;

-- The racy flaw's first statement: the pool's lots as they are now, without a lock, as
-- (lot, remaining) pairs in consumption order.
CREATE FUNCTION peek_lots(p_account integer, p_pool text) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE l record; v_lots bigint[] := '{}';
BEGIN
    FOR l IN SELECT lot, remaining FROM lots
             WHERE account = p_account AND pool = p_pool AND remaining > 0
             ORDER BY expires_at_ms NULLS LAST, priority, lot LOOP
        v_lots := v_lots || ARRAY[l.lot::bigint, l.remaining];
    END LOOP;
    RETURN v_lots;
END $$;
