package userprofiles.jvm;

import java.io.Serializable;

/**
 * What the state store keeps of one profile: the version of its latest copy (Kafka timestamp, partition,
 * offset; greatest wins, across partitions) and, when that copy is counted in the analytics (older than 13),
 * the attributes it is counted under. A profile whose latest copy is 13 or younger keeps its version with
 * {@code counted == false}, so that an older copy arriving later cannot bring it back.
 */
public class ProfileState implements Serializable {
  private long timestampMs;
  private int partition;
  private long offset;
  private boolean counted;
  private String nationality;
  private String gender;
  private String domainName;
  private int age;

  public ProfileState() {}

  /** The state of a row read from the table when a new checkpoint is seeded: older than any copy. */
  static ProfileState seeded(String nationality, String gender, String domainName, int age) {
    ProfileState s = new ProfileState();
    s.timestampMs = Long.MIN_VALUE;
    s.partition = Integer.MIN_VALUE;
    s.offset = Long.MIN_VALUE;
    s.counted = true;
    s.nationality = nationality;
    s.gender = gender;
    s.domainName = domainName;
    s.age = age;
    return s;
  }

  /** True when the copy at (timestampMs, partition, offset) is newer than this state's. */
  boolean olderThan(long ts, int part, long off) {
    if (ts != timestampMs) return ts > timestampMs;
    if (part != partition) return part > partition;
    return off > offset;
  }

  public long getTimestampMs() { return timestampMs; }
  public void setTimestampMs(long v) { timestampMs = v; }
  public int getPartition() { return partition; }
  public void setPartition(int v) { partition = v; }
  public long getOffset() { return offset; }
  public void setOffset(long v) { offset = v; }
  public boolean isCounted() { return counted; }
  public void setCounted(boolean v) { counted = v; }
  public String getNationality() { return nationality; }
  public void setNationality(String v) { nationality = v; }
  public String getGender() { return gender; }
  public void setGender(String v) { gender = v; }
  public String getDomainName() { return domainName; }
  public void setDomainName(String v) { domainName = v; }
  public int getAge() { return age; }
  public void setAge(int v) { age = v; }
}
