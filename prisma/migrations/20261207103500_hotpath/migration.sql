-- CreateTable
CREATE TABLE "ClusterPods" (
    "clusterId" UUID NOT NULL,
    "live" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ClusterPods_pkey" PRIMARY KEY ("clusterId")
);

-- AddForeignKey
ALTER TABLE "ClusterPods" ADD CONSTRAINT "ClusterPods_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The live pods of a cluster (not Succeeded or Failed, Terminating included) follow every pod
-- write in the same transaction, whatever the path (controllers, apply, garbage collection,
-- cluster cascade). One statement-level trigger per operation aggregates the change per cluster
-- and touches the cluster's row only when its count changes: a write that keeps pods live (bind,
-- Running) or removes finished pods leaves the row alone and takes no lock on it.
CREATE FUNCTION nodeless_live_pods() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'INSERT' THEN
    FOR r IN SELECT "clusterId" AS c, count(*)::int AS n FROM new_rows WHERE "phase" NOT IN ('Succeeded', 'Failed') GROUP BY 1 ORDER BY 1 LOOP
      INSERT INTO "ClusterPods" ("clusterId", "live") VALUES (r.c, r.n)
        ON CONFLICT ("clusterId") DO UPDATE SET "live" = "ClusterPods"."live" + EXCLUDED."live";
    END LOOP;
  ELSIF TG_OP = 'DELETE' THEN
    -- no upsert here: in a cluster's cascade its row may already be gone
    FOR r IN SELECT "clusterId" AS c, count(*)::int AS n FROM old_rows WHERE "phase" NOT IN ('Succeeded', 'Failed') GROUP BY 1 ORDER BY 1 LOOP
      UPDATE "ClusterPods" SET "live" = "live" - r.n WHERE "clusterId" = r.c;
    END LOOP;
  ELSE
    FOR r IN SELECT c, sum(n)::int AS n FROM (
               SELECT "clusterId" AS c, 1 AS n FROM new_rows WHERE "phase" NOT IN ('Succeeded', 'Failed')
               UNION ALL
               SELECT "clusterId", -1 FROM old_rows WHERE "phase" NOT IN ('Succeeded', 'Failed')
             ) d GROUP BY c HAVING sum(n) <> 0 ORDER BY c LOOP
      INSERT INTO "ClusterPods" ("clusterId", "live") VALUES (r.c, r.n)
        ON CONFLICT ("clusterId") DO UPDATE SET "live" = "ClusterPods"."live" + EXCLUDED."live";
    END LOOP;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Pod_live_insert" AFTER INSERT ON "Pod" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_live_pods();
CREATE TRIGGER "Pod_live_update" AFTER UPDATE ON "Pod" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_live_pods();
CREATE TRIGGER "Pod_live_delete" AFTER DELETE ON "Pod" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION nodeless_live_pods();

-- Existing pods
INSERT INTO "ClusterPods" ("clusterId", "live")
SELECT c."id", (SELECT count(*)::int FROM "Pod" p WHERE p."clusterId" = c."id" AND p."phase" NOT IN ('Succeeded', 'Failed')) FROM "Cluster" c;
