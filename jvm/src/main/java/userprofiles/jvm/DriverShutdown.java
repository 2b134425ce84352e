package userprofiles.jvm;

import java.util.concurrent.TimeUnit;

import org.apache.spark.util.ShutdownHookManager;
import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;

/**
 * When spark-submit's JVM is asked to stop (SIGTERM from a supervisor, Ctrl-C) while the consumer's Python driver
 * runs, the driver stops first, in its own order (the query, the clients of the services, then Spark), and the
 * JVM's shutdown goes on after it. spark-submit's JVM is the driver's parent and does not pass the signal on: on
 * its own it would stop the SparkContext under the running query.
 */
public final class DriverShutdown {
  private DriverShutdown() {}

  /** Before SparkContext's own hook: Spark runs its hooks one at a time, the highest priority first. */
  static int priority() {
    return ShutdownHookManager.SPARK_CONTEXT_SHUTDOWN_PRIORITY() + 25;
  }

  /** At this JVM's shutdown, SIGTERM to its child process DRIVER_PID, then up to TIMEOUT_MS for it to end. */
  public static void install(long driverPid, long timeoutMs) {
    ShutdownHookManager.addShutdownHook(priority(), new AbstractFunction0<BoxedUnit>() {
      @Override
      public BoxedUnit apply() {
        stop(driverPid, timeoutMs);
        return BoxedUnit.UNIT;
      }
    });
  }

  /** A child of this JVM only: a pid that ended meanwhile may be another program's by now. */
  static void stop(long pid, long timeoutMs) {
    ProcessHandle.current().children().filter(p -> p.pid() == pid).findFirst().ifPresent(p -> {
      p.destroy();
      try {
        p.onExit().get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        p.destroyForcibly();
      }
    });
  }
}
