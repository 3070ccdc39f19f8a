-- The incident log is an audit trail: rows are appended, never changed or removed.
CREATE FUNCTION incident_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'incident_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER incident_log_no_update_delete
  BEFORE UPDATE OR DELETE ON incident_log
  FOR EACH ROW EXECUTE FUNCTION incident_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER incident_log_no_truncate
  BEFORE TRUNCATE ON incident_log
  FOR EACH STATEMENT EXECUTE FUNCTION incident_log_refuse_change();
