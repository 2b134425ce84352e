package userprofiles.jvm;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapGroupsWithStateFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.KeyValueGroupedDataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.sql.streaming.GroupStateTimeout;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The per-profile state of the stream, in Spark's state store: for each micro-batch, the latest copy of
 * every profile whose copies in the micro-batch are newer than what the state holds, with what that
 * profile was counted under before (the analytics' delta is new minus previous). Called from Python
 * (userprofiles/consumer/jvm.py) on the classified records of transform.for_sinks.
 *
 * <p>Each output row is one input row (its columns unchanged) followed by: {@code action} (upsert: write
 * the row, count it; delete: remove the row, uncount it; minor: a 13-or-younger copy of a profile that was
 * not counted, nothing to write; stale: the state already holds this copy or a newer one; dead: a record
 * that is no profile, for the dead-letter topic), the previous attributes ({@code prev_*}, null unless the
 * profile was counted), and how many valid and filtered copies of the profile the micro-batch held.
 */
public final class ProfileChanges {
  private ProfileChanges() {}

  /** Extra output columns, after the input's. */
  public static final String ACTION = "action";
  private static final String KEY = "state_key";

  /**
   * The stateful query over {@code records} (status, identifiant, nationality, gender, domain_name, age,
   * partition, offset, timestamp_ms and the other columns). {@code seed} (identifiant, nationality, gender,
   * domain_name, age) is the initial state of a new checkpoint: the rows the table already holds.
   */
  public static Dataset<Row> apply(Dataset<Row> records, Dataset<Row> seed) {
    StructType in = records.schema();
    StructType out = in.add(ACTION, DataTypes.StringType, false)
        .add("prev_nationality", DataTypes.StringType, true)
        .add("prev_gender", DataTypes.StringType, true)
        .add("prev_domain_name", DataTypes.StringType, true)
        .add("prev_age", DataTypes.IntegerType, true)
        .add("copies_valid", DataTypes.IntegerType, false)
        .add("copies_filtered", DataTypes.IntegerType, false);
    Encoder<ProfileState> stateEncoder = Encoders.bean(ProfileState.class);
    // Records that are no profile share one key ("") that never has state: they pass through.
    Dataset<Row> keyed = records.withColumn(KEY,
        when(col("status").equalTo(lit("dead")), lit("")).otherwise(col("identifiant")));
    // Grouped by the column itself (no key function to run on every row); the values keep the key as their
    // last column, which the output leaves out.
    KeyValueGroupedDataset<String, Row> groups =
        keyed.groupBy(col(KEY)).as(Encoders.STRING(), Encoders.row(keyed.schema()));
    KeyValueGroupedDataset<String, ProfileState> initial = seed
        .groupByKey((MapFunction<Row, String>) r -> r.getString(0), Encoders.STRING())
        .mapValues((MapFunction<Row, ProfileState>) r ->
            ProfileState.seeded(r.getString(1), r.getString(2), r.getString(3), r.getInt(4)), stateEncoder);
    return groups.flatMapGroupsWithState(new Update(in), OutputMode.Append(), stateEncoder,
        Encoders.row(out), GroupStateTimeout.NoTimeout(), initial);
  }

  /** The state transition of one profile in one micro-batch. */
  static final class Update implements FlatMapGroupsWithStateFunction<String, Row, ProfileState, Row> {
    private final int status, ident, nationality, gender, domain, age, partition, offset, timestamp;

    Update(StructType in) {
      status = in.fieldIndex("status");
      ident = in.fieldIndex("identifiant");
      nationality = in.fieldIndex("nationality");
      gender = in.fieldIndex("gender");
      domain = in.fieldIndex("domain_name");
      age = in.fieldIndex("age");
      partition = in.fieldIndex("partition");
      offset = in.fieldIndex("offset");
      timestamp = in.fieldIndex("timestamp_ms");
    }

    @Override
    public Iterator<Row> call(String key, Iterator<Row> copies, GroupState<ProfileState> state) {
      if (key.isEmpty()) {
        List<Row> dead = new ArrayList<>();
        while (copies.hasNext()) dead.add(output(copies.next(), "dead", null, 0, 0));
        return dead.iterator();
      }
      Row latest = null;
      int valid = 0, filtered = 0;
      while (copies.hasNext()) {
        Row r = copies.next();
        if ("valid".equals(r.getString(status))) valid++; else filtered++;
        if (latest == null || newer(r, latest)) latest = r;
      }
      ProfileState prev = state.exists() ? state.get() : null;
      long ts = latest.getLong(timestamp);
      int part = latest.getInt(partition);
      long off = latest.getLong(offset);
      if (prev != null && !prev.olderThan(ts, part, off)) {
        return Collections.singletonList(output(latest, "stale", null, valid, filtered)).iterator();
      }
      ProfileState next = new ProfileState();
      next.setTimestampMs(ts);
      next.setPartition(part);
      next.setOffset(off);
      boolean counts = "valid".equals(latest.getString(status));
      next.setCounted(counts);
      if (counts) {
        next.setNationality(latest.getString(nationality));
        next.setGender(latest.getString(gender));
        next.setDomainName(latest.getString(domain));
        next.setAge(latest.getInt(age));
      }
      state.update(next);
      ProfileState counted = prev != null && prev.isCounted() ? prev : null;
      String action = counts ? "upsert" : counted != null ? "delete" : "minor";
      return Collections.singletonList(output(latest, action, counted, valid, filtered)).iterator();
    }

    private boolean newer(Row a, Row b) {
      long ta = a.getLong(timestamp), tb = b.getLong(timestamp);
      if (ta != tb) return ta > tb;
      int pa = a.getInt(partition), pb = b.getInt(partition);
      if (pa != pb) return pa > pb;
      return a.getLong(offset) > b.getLong(offset);
    }

    private static Row output(Row r, String action, ProfileState prev, int valid, int filtered) {
      int n = r.length() - 1;  // without the key column
      Object[] v = new Object[n + 7];
      for (int i = 0; i < n; i++) v[i] = r.get(i);
      v[n] = action;
      if (prev != null) {
        v[n + 1] = prev.getNationality();
        v[n + 2] = prev.getGender();
        v[n + 3] = prev.getDomainName();
        v[n + 4] = prev.getAge();
      }
      v[n + 5] = valid;
      v[n + 6] = filtered;
      return RowFactory.create(v);
    }
  }
}
