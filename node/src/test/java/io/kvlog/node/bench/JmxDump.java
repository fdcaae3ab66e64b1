package io.kvlog.node.bench;

import com.sun.tools.attach.VirtualMachine;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Prints numeric JMX attributes of a running JVM (a node: Kafka client and Streams metrics)
 * whose object name matches a pattern and whose attribute name contains a filter. A profiling
 * aid, not a test: {@code java -cp ... io.kvlog.node.bench.JmxDump PID 'kafka.streams:type=stream-thread-metrics,*' commit}
 */
public final class JmxDump {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: JmxDump PID OBJECT_NAME_PATTERN [ATTRIBUTE_SUBSTRING...]");
            System.exit(2);
        }
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            Set<ObjectName> names = new TreeSet<>(server.queryNames(new ObjectName(args[1]), null));
            for (ObjectName name : names) {
                for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                    if (!matches(attribute.getName(), args)) {
                        continue;
                    }
                    Object value = server.getAttribute(name, attribute.getName());
                    if (value instanceof Number number && !Double.isNaN(number.doubleValue())) {
                        System.out.printf(Locale.ROOT, "%s %s = %.3f%n", name.getKeyPropertyListString(),
                                attribute.getName(), number.doubleValue());
                    }
                }
            }
        }
    }

    private static boolean matches(String attribute, String[] args) {
        if (args.length < 3) {
            return true;
        }
        for (int i = 2; i < args.length; i++) {
            if (attribute.contains(args[i])) {
                return true;
            }
        }
        return false;
    }

    private JmxDump() {
    }
}
