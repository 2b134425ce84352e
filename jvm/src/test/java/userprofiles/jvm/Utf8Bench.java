package userprofiles.jvm;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The UTF-8 check of each message, hand-written (Utf8.scan) against the JDK's decoder (a CharsetDecoder that
 * reports malformed input, reused, plus a loop for the backslash that Utf8.scan also finds), on the messages of
 * a file (one per line). Run by stack/jvm.sh bench-utf8; prints ns per message for each, best of the rounds.
 */
public final class Utf8Bench {
  private Utf8Bench() {}

  private static final CharsetDecoder DECODER = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

  static boolean jdk(byte[] b, CharBuffer out) {
    DECODER.reset();
    out.clear();
    if (DECODER.decode(ByteBuffer.wrap(b), out, true).isError()) return false;
    if (DECODER.flush(out).isError()) return false;
    boolean backslash = false;
    for (byte c : b) backslash |= c == '\\';
    return backslash;
  }

  public static void main(String[] args) throws Exception {
    List<byte[]> messages = new ArrayList<>();
    int longest = 0;
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      byte[] b = line.getBytes(StandardCharsets.UTF_8);
      messages.add(b);
      longest = Math.max(longest, b.length);
    }
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    CharBuffer out = CharBuffer.allocate(longest);
    long bytes = messages.stream().mapToLong(b -> b.length).sum();
    // Both must say the same of every message, or the comparison means nothing.
    for (byte[] b : messages) {
      Utf8.Scan s = Utf8.scan(b);
      if (!s.valid || s.backslash != jdk(b, out)) throw new AssertionError("the two checks disagree on a message");
    }
    long bestHand = Long.MAX_VALUE;
    long bestJdk = Long.MAX_VALUE;
    int sink = 0;
    for (int r = 0; r < rounds; r++) {  // interleaved, so that the JIT and the machine treat both alike
      long t0 = System.nanoTime();
      for (byte[] b : messages) sink += Utf8.scan(b).backslash ? 1 : 0;
      long t1 = System.nanoTime();
      for (byte[] b : messages) sink += jdk(b, out) ? 1 : 0;
      long t2 = System.nanoTime();
      bestHand = Math.min(bestHand, t1 - t0);
      bestJdk = Math.min(bestJdk, t2 - t1);
    }
    int n = messages.size();
    System.out.printf("messages %d, mean %d bytes, %d rounds (best of each; checksum %d)%n",
        n, bytes / n, rounds, sink);
    System.out.printf("Utf8.scan (hand-written)   %7.1f ns/message  %6.2f GB/s%n",
        (double) bestHand / n, (double) bytes / bestHand);
    System.out.printf("JDK CharsetDecoder REPORT  %7.1f ns/message  %6.2f GB/s%n",
        (double) bestJdk / n, (double) bytes / bestJdk);
  }
}
