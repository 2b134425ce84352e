package userprofiles.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.streaming.GroupState;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.Option;

/**
 * ProfileChanges.Update, the state transition of one profile in one micro-batch, called as Spark calls it from
 * flatMapGroupsWithState (the rows of the records, keyed by a last column state_key, with a GroupState faked
 * here), against a model written here: the copy with the greatest (timestamp, partition, offset) wins; it is
 * "stale" when the state already holds that version or a newer one; otherwise upsert (valid), delete (not
 * valid, the profile was counted) or minor (not valid, not counted), with the counted attributes as prev_*.
 */
class ProfileChangesTest {
  private static final DataType S = DataTypes.StringType;

  /** The records as transform.for_sinks gives them (SINK_COLUMNS), as ProfileChanges.apply receives them. */
  static final StructType IN = new StructType(new StructField[] {
      field("status", S), field("reason", S), field("identifiant", S), field("title", S), field("full_name", S),
      field("gender", S), field("username", S), field("domain_name", S), field("email", S), field("phone", S),
      field("full_address", S), field("age", DataTypes.IntegerType), field("inscription", S),
      field("nationality", S), field("topic", S), field("partition", DataTypes.IntegerType),
      field("offset", DataTypes.LongType), field("timestamp_ms", DataTypes.LongType),
      field("value", DataTypes.BinaryType)});

  /** As apply() groups them: the key last. */
  static final StructType KEYED = IN.add("state_key", S, true);

  static StructField field(String name, DataType t) {
    return DataTypes.createStructField(name, t, true);
  }

  // --- the fake state and the rows ------------------------------------------------------------------------------

  /** A GroupState without timeouts: what the operator may call. */
  static final class State implements GroupState<ProfileState> {
    ProfileState value;
    int updates;

    State(ProfileState initial) {
      value = initial;
    }

    @Override
    public boolean exists() {
      return value != null;
    }

    @Override
    public ProfileState get() {
      if (value == null) throw new java.util.NoSuchElementException();
      return value;
    }

    @Override
    public Option<ProfileState> getOption() {
      return Option.apply(value);
    }

    @Override
    public void update(ProfileState s) {
      if (s == null) throw new IllegalArgumentException("null state");
      value = s;
      updates++;
    }

    @Override
    public void remove() {
      value = null;
      updates++;
    }

    @Override
    public boolean hasTimedOut() {
      return false;
    }

    @Override
    public void setTimeoutDuration(long ms) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeoutDuration(String duration) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeoutTimestamp(long ms) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeoutTimestamp(long ms, String additional) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeoutTimestamp(java.sql.Date d) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeoutTimestamp(java.sql.Date d, String additional) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getCurrentWatermarkMs() {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getCurrentProcessingTimeMs() {
      throw new UnsupportedOperationException();
    }
  }

  /** One Kafka copy of a profile: its version, its status and the attributes it is counted under. */
  record Copy(String id, String status, long ts, int part, long off, String nat, String gender, String domain,
      Integer age) {
    static final Comparator<Copy> VERSION = Comparator.comparingLong(Copy::ts).thenComparingInt(Copy::part)
        .thenComparingLong(Copy::off);

    Row row() {
      boolean dead = status.equals("dead");
      Object[] v = {status, dead ? "not a JSON object" : null, id, "Ms", "Doe Jane", gender, "jane",
          domain, "e-sha", "p-sha", "a-sha", age, "2015-01-01T00:00:00.000Z", nat, "users_profiles", part, off,
          ts, dead ? new byte[] {1, 2} : null, dead ? "" : id};
      return new GenericRowWithSchema(v, KEYED);
    }
  }

  static Copy valid(long ts, int part, long off, String nat, int age) {
    return new Copy("id-1", "valid", ts, part, off, nat, "female", nat.toLowerCase(java.util.Locale.ROOT) + ".example.com", age);
  }

  static Copy filtered(long ts, int part, long off) {
    return new Copy("id-1", "filtered", ts, part, off, "FR", "male", "minor.example.com", 12);
  }

  static List<Row> call(String key, List<Copy> copies, State state) {
    List<Row> in = new ArrayList<>();
    for (Copy c : copies) in.add(c.row());
    List<Row> out = new ArrayList<>();
    Iterator<Row> it = new ProfileChanges.Update(IN).call(key, in.iterator(), state);
    it.forEachRemaining(out::add);
    return out;
  }

  // --- the model -------------------------------------------------------------------------------------------------

  /** What the model holds of a profile: the newest version seen, and its attributes when it is counted. */
  static final class Model {
    Copy newest;     // null: nothing seen (or only a seed)
    Copy counted;    // the copy the profile is counted under, null when not counted
    boolean seeded;  // the state came from the table: older than any copy, counted under `counted`
  }

  /** One output row as a list: the chosen copy's columns (no key), then the 7 change columns. */
  static List<Object> expectedRow(Copy c, String action, Copy prev, int valid, int filtered) {
    Row r = c.row();
    List<Object> out = new ArrayList<>();
    for (int k = 0; k < r.length() - 1; k++) out.add(r.get(k));
    out.add(action);
    out.add(prev == null ? null : prev.nat());
    out.add(prev == null ? null : prev.gender());
    out.add(prev == null ? null : prev.domain());
    out.add(prev == null ? null : prev.age());
    out.add(valid);
    out.add(filtered);
    return out;
  }

  /** The model's output for one micro-batch of a (non-dead) profile, and its new state. */
  static List<Object> model(Model m, List<Copy> batch) {
    Copy latest = batch.stream().max(Copy.VERSION).orElseThrow();
    int valid = (int) batch.stream().filter(c -> c.status().equals("valid")).count();
    int filtered = batch.size() - valid;
    if (m.newest != null && Copy.VERSION.compare(m.newest, latest) >= 0) {
      return expectedRow(latest, "stale", null, valid, filtered);
    }
    Copy prev = m.counted;
    m.newest = latest;
    m.seeded = false;
    boolean counts = latest.status().equals("valid");
    m.counted = counts ? latest : null;
    return expectedRow(latest, counts ? "upsert" : prev != null ? "delete" : "minor", prev, valid, filtered);
  }

  static List<Object> lists(Row r) {
    List<Object> out = new ArrayList<>();
    for (int k = 0; k < r.length(); k++) {
      Object v = r.get(k);
      out.add(v instanceof byte[] b ? Arrays.toString(b) : v);
    }
    return out;
  }

  static List<Object> normalise(List<Object> row) {
    List<Object> out = new ArrayList<>();
    for (Object v : row) out.add(v instanceof byte[] b ? Arrays.toString(b) : v);
    return out;
  }

  /** The state must be what the model holds. */
  static void sameState(Model m, State s, String label) {
    if (m.newest == null && !m.seeded) {
      assertFalse(s.exists(), label);
      return;
    }
    assertTrue(s.exists(), label);
    ProfileState p = s.get();
    if (m.seeded) {
      assertEquals(Long.MIN_VALUE, p.getTimestampMs(), label);
      return;
    }
    assertEquals(m.newest.ts(), p.getTimestampMs(), label);
    assertEquals(m.newest.part(), p.getPartition(), label);
    assertEquals(m.newest.off(), p.getOffset(), label);
    assertEquals(m.counted != null, p.isCounted(), label);
    if (m.counted != null) {
      assertEquals(m.counted.nat(), p.getNationality(), label);
      assertEquals(m.counted.gender(), p.getGender(), label);
      assertEquals(m.counted.domain(), p.getDomainName(), label);
      assertEquals((int) m.counted.age(), p.getAge(), label);
    }
  }

  static ProfileState stateOf(Copy c) {
    ProfileState s = new ProfileState();
    s.setTimestampMs(c.ts());
    s.setPartition(c.part());
    s.setOffset(c.off());
    boolean counts = c.status().equals("valid");
    s.setCounted(counts);
    if (counts) {
      s.setNationality(c.nat());
      s.setGender(c.gender());
      s.setDomainName(c.domain());
      s.setAge(c.age());
    }
    return s;
  }

  static Model modelOf(Copy c) {
    Model m = new Model();
    m.newest = c;
    m.counted = c.status().equals("valid") ? c : null;
    return m;
  }

  // --- tests -----------------------------------------------------------------------------------------------------

  @Test
  void theOutputRowIsTheLatestCopyWithTheChangeColumns() {
    Copy a = valid(1000, 0, 5, "FR", 30);
    Copy b = valid(2000, 0, 1, "DE", 31);
    State s = new State(null);
    List<Row> out = call("id-1", List.of(b, a), s);
    assertEquals(1, out.size());
    Row r = out.get(0);
    assertEquals(IN.length() + 7, r.length());
    for (int k = 0; k < IN.length(); k++) assertEquals(b.row().get(k), r.get(k), IN.fields()[k].name());
    int n = IN.length();
    assertEquals("upsert", r.getString(n));
    for (int k = 1; k <= 4; k++) assertTrue(r.isNullAt(n + k));
    assertEquals(2, r.getInt(n + 5));
    assertEquals(0, r.getInt(n + 6));
    assertEquals(1, s.updates);
    assertEquals("DE", s.get().getNationality());
  }

  @Test
  void theVersionIsTimestampThenPartitionThenOffset() {
    // A later timestamp wins over a greater partition or offset; at one timestamp, the greater partition wins
    // over a greater offset (the offsets of two partitions are not comparable).
    Copy[][] olderNewer = {
        {valid(1000, 5, 999, "FR", 20), valid(1001, 0, 0, "DE", 21)},
        {valid(1000, 0, 999, "FR", 20), valid(1000, 1, 0, "DE", 21)},
        {valid(1000, 2, 7, "FR", 20), valid(1000, 2, 8, "DE", 21)},
        {valid(-5, 0, 0, "FR", 20), valid(0, 0, 0, "DE", 21)},
    };
    for (Copy[] c : olderNewer) {
      for (List<Copy> order : List.of(List.of(c[0], c[1]), List.of(c[1], c[0]))) {
        Row r = call("id-1", order, new State(null)).get(0);
        assertEquals("DE", r.getString(IN.fieldIndex("nationality")), order::toString);
      }
      // Across micro-batches: the older one second is stale.
      State s = new State(null);
      call("id-1", List.of(c[1]), s);
      Row r = call("id-1", List.of(c[0]), s).get(0);
      assertEquals("stale", r.getString(IN.length()), () -> Arrays.toString(c));
      assertEquals("DE", s.get().getNationality());
      assertTrue(ProfileState.seeded("FR", "f", "d", 1).olderThan(c[0].ts(), c[0].part(), c[0].off()));
    }
  }

  @Test
  void anOlderCopyInALaterMicroBatchIsStale() {
    State s = new State(null);
    Model m = new Model();
    Copy v2 = valid(2000, 1, 10, "FR", 40);
    Copy v1 = valid(1000, 1, 9, "DE", 41);
    Copy v3 = filtered(3000, 0, 3);
    Copy v4 = filtered(4000, 0, 4);
    Copy v5 = valid(5000, 2, 1, "ES", 42);
    Object[][] steps = {  // a micro-batch, then the action it must give
        {List.of(v2), "upsert"},
        {List.of(v1), "stale"},           // older, later
        {List.of(v2), "stale"},           // the same copy again (a replayed micro-batch)
        {List.of(v1, v2), "stale"},
        {List.of(v3), "delete"},          // 13 or younger now: uncounted, prev_* = the counted attributes
        {List.of(v1, v2), "stale"},       // cannot bring the counted copy back
        {List.of(v4), "minor"},           // not counted before, not counted now
        {List.of(v5, v4, v3), "upsert"},  // prev_* null: it was not counted
    };
    for (Object[] step : steps) {
      @SuppressWarnings("unchecked")
      List<Copy> batch = (List<Copy>) step[0];
      List<Object> want = model(m, batch);
      List<Row> out = call("id-1", batch, s);
      assertEquals(1, out.size());
      assertEquals(normalise(want), lists(out.get(0)), () -> "batch " + batch);
      assertEquals(step[1], out.get(0).getString(IN.length()));
      sameState(m, s, "after " + batch);
    }
    // The delete carried the attributes that were counted (v2's).
    Model again = new Model();
    State s2 = new State(null);
    call("id-1", List.of(v2), s2);
    model(again, List.of(v2));
    Row del = call("id-1", List.of(v3), s2).get(0);
    int n = IN.length();
    assertEquals(List.of("delete", "FR", "female", "fr.example.com", 40),
        List.of(del.get(n), del.get(n + 1), del.get(n + 2), del.get(n + 3), del.get(n + 4)));
  }

  @Test
  void aSeededStateIsOlderThanAnyCopyAndCounted() {
    for (Copy first : List.of(valid(0, 0, 0, "DE", 50), filtered(1, 0, 0), valid(Long.MIN_VALUE + 1, 0, 0, "DE", 50))) {
      State s = new State(ProfileState.seeded("FR", "male", "old.example.com", 33));
      Row r = call("id-1", List.of(first), s).get(0);
      int n = IN.length();
      String want = first.status().equals("valid") ? "upsert" : "delete";
      assertEquals(List.of(want, "FR", "male", "old.example.com", 33),
          List.of(r.get(n), r.get(n + 1), r.get(n + 2), r.get(n + 3), r.get(n + 4)));
      assertEquals(first.ts(), s.get().getTimestampMs());
    }
  }

  @Test
  void deadRecordsPassThroughWithoutState() {
    List<Copy> dead = List.of(new Copy(null, "dead", 5, 0, 1, null, null, null, null),
        new Copy("id-1", "dead", 3, 1, 2, null, null, null, null),
        new Copy(null, "dead", 9, 0, 3, null, null, null, null));
    State s = new State(null);
    List<Row> out = call("", dead, s);
    assertEquals(3, out.size());
    for (int k = 0; k < 3; k++) {
      assertEquals(normalise(expectedRow(dead.get(k), "dead", null, 0, 0)), lists(out.get(k)));
    }
    assertFalse(s.exists());
    assertEquals(0, s.updates);
  }

  /** Batches whose copies tie on the timestamp, or on timestamp and partition, in every order. */
  @Test
  void theOrderOfCopiesWithinAMicroBatchDoesNotMatter() {
    List<List<Copy>> batches = List.of(
        List.of(valid(1000, 0, 1, "FR", 20), valid(1000, 0, 2, "DE", 21), filtered(1000, 0, 3)),
        List.of(valid(1000, 1, 1, "FR", 20), filtered(1000, 0, 9), valid(999, 2, 50, "DE", 21),
            valid(1000, 1, 0, "ES", 22)),
        List.of(filtered(2000, 0, 1), valid(1999, 0, 2, "FR", 20), valid(2000, 0, 0, "DE", 21),
            filtered(1500, 3, 3), valid(2000, 1, 0, "IT", 23)),
        List.of(valid(7, 0, 0, "FR", 20)),
        List.of(filtered(7, 0, 0), filtered(7, 0, 1)));
    // The state before: none, seeded, an older copy (counted or not), the batch's newest copy, a newer one.
    for (List<Copy> batch : batches) {
      Copy newest = batch.stream().max(Copy.VERSION).orElseThrow();
      List<Copy> priors = new ArrayList<>();
      priors.add(null);
      priors.add(valid(1, 0, 0, "NL", 60));
      priors.add(filtered(1, 0, 0));
      priors.add(newest);
      priors.add(valid(newest.ts(), newest.part(), newest.off() + 1, "NL", 61));
      for (int p = -1; p < priors.size(); p++) {
        Copy prior = p < 0 ? null : priors.get(p);
        boolean seed = p == -1;
        List<List<Copy>> orders = permutations(batch);
        List<Object> first = null;
        for (List<Copy> order : orders) {
          State s = new State(seed ? ProfileState.seeded("NL", "female", "seed.example.com", 70)
              : prior == null ? null : stateOf(prior));
          Model m = seed ? seededModel() : prior == null ? new Model() : modelOf(prior);
          List<Object> want = normalise(model(m, batch));
          List<Row> out = call("id-1", order, s);
          assertEquals(1, out.size());
          List<Object> got = lists(out.get(0));
          String label = "prior " + (seed ? "seed" : prior) + ", order " + order;
          assertEquals(want, got, label);
          if (first == null) first = got; else assertEquals(first, got, label);
          sameState(m, s, label);
        }
      }
    }
  }

  static Model seededModel() {
    Model m = new Model();
    m.seeded = true;
    m.counted = new Copy("id-1", "valid", Long.MIN_VALUE, Integer.MIN_VALUE, Long.MIN_VALUE, "NL", "female",
        "seed.example.com", 70);
    return m;
  }

  static <T> List<List<T>> permutations(List<T> items) {
    if (items.size() <= 1) return List.of(items);
    List<List<T>> out = new ArrayList<>();
    for (int k = 0; k < items.size(); k++) {
      List<T> rest = new ArrayList<>(items);
      T head = rest.remove(k);
      for (List<T> p : permutations(rest)) {
        List<T> full = new ArrayList<>();
        full.add(head);
        full.addAll(p);
        out.add(full);
      }
    }
    return out;
  }

  /**
   * Random histories: a profile's copies (distinct versions, valid or filtered) delivered in random micro-batches
   * and orders. Each micro-batch's output is the model's, and in the end the state holds the newest copy however
   * the copies were split and ordered.
   */
  @Test
  void randomHistories() {
    Random rnd = new Random(424242);
    String[] nats = {"FR", "DE", "ES", "NL", "GB"};
    for (int h = 0; h < 3000; h++) {
      int n = 1 + rnd.nextInt(10);
      Set<List<Long>> versions = new HashSet<>();
      List<Copy> copies = new ArrayList<>();
      while (copies.size() < n) {
        long ts = 1000 + rnd.nextInt(6);
        int part = rnd.nextInt(3);
        long off = rnd.nextInt(6);
        if (!versions.add(List.of(ts, (long) part, off))) continue;
        copies.add(rnd.nextInt(3) == 0 ? filtered(ts, part, off)
            : valid(ts, part, off, nats[rnd.nextInt(nats.length)], 14 + rnd.nextInt(80)));
      }
      boolean seeded = rnd.nextInt(4) == 0;
      Copy newest = copies.stream().max(Copy.VERSION).orElseThrow();
      for (int run = 0; run < 2; run++) {  // two different splits and orders of the same copies
        List<Copy> arrival = new ArrayList<>(copies);
        Collections.shuffle(arrival, rnd);
        State s = new State(seeded ? ProfileState.seeded("NL", "female", "seed.example.com", 70) : null);
        Model m = seeded ? seededModel() : new Model();
        int at = 0;
        while (at < arrival.size()) {
          int size = 1 + rnd.nextInt(arrival.size() - at);
          List<Copy> batch = arrival.subList(at, at + size);
          at += size;
          List<Object> want = normalise(model(m, batch));
          List<Row> out = call("id-1", batch, s);
          assertEquals(1, out.size());
          if (!want.equals(lists(out.get(0)))) {
            fail("history " + h + ", batch " + batch + ": expected " + want + ", got " + lists(out.get(0)));
          }
          sameState(m, s, "history " + h);
        }
        assertEquals(newest.ts(), s.get().getTimestampMs());
        assertEquals(newest.part(), s.get().getPartition());
        assertEquals(newest.off(), s.get().getOffset());
        assertEquals(newest.status().equals("valid"), s.get().isCounted());
        if (s.get().isCounted()) assertEquals(newest.nat(), s.get().getNationality());
      }
    }
  }

  @Test
  void theOutputTypesAreThoseApplyDeclares() {
    // apply() declares action string, prev_* strings and int, copies_* ints: the values must be of those types.
    State s = new State(ProfileState.seeded("FR", "male", "x.example.com", 33));
    Row r = call("id-1", List.of(filtered(5, 0, 0), valid(4, 0, 0, "DE", 20)), s).get(0);
    int n = IN.length();
    Class<?>[] types = {String.class, String.class, String.class, String.class, Integer.class, Integer.class,
        Integer.class};
    for (int k = 0; k < 7; k++) assertEquals(types[k], r.get(n + k).getClass(), "column " + (n + k));
    assertArrayEquals(new Object[] {"delete", 1, 1}, new Object[] {r.get(n), r.get(n + 5), r.get(n + 6)});
    assertNull(call("id-1", List.of(filtered(5, 0, 0)), s).get(0).get(n + 1));  // stale: no prev
    assertTrue(Objects.equals(r.get(IN.fieldIndex("timestamp_ms")), 5L));
  }
}
