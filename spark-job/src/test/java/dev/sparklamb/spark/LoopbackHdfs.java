package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * A real HDFS for tests: Hadoop's MiniDFSCluster with one datanode, every service bound to 127.0.0.1 on a free port
 * (HdfsCheckpointResumeTest; submit's YarnClusterIT).
 */
public final class LoopbackHdfs {

    private LoopbackHdfs() {
    }

    /**
     * Starts the cluster with its files under {@code dir}; {@code conf} gets the cluster's settings (use it for clients:
     * one replica, so that closing a file never waits for replicas that cannot exist; no permission checks).
     */
    public static MiniDFSCluster start(Configuration conf, Path dir) throws IOException {
        conf.set("hadoop.tmp.dir", dir.resolve("hadoop-tmp").toString());
        for (String key : new String[] {"dfs.namenode.rpc-address", "dfs.namenode.http-address", "dfs.namenode.servicerpc-address",
                "dfs.datanode.address", "dfs.datanode.http.address", "dfs.datanode.ipc.address"}) {
            conf.set(key, "127.0.0.1:0");
        }
        conf.set("dfs.datanode.hostname", "127.0.0.1");
        conf.setInt("dfs.replication", 1);
        conf.setBoolean("dfs.permissions.enabled", false);
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, dir.resolve("dfs").toFile())
                .numDataNodes(1)
                .checkDataNodeAddrConfig(true)
                .format(true)
                .build();
        cluster.waitActive();
        assertThat(cluster.getNameNode().getNameNodeAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getNameNode().getServiceRpcAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getNameNode().getHttpAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(cluster.getDataNodes().get(0).getXferAddress().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        return cluster;
    }

    /** {@code hdfs://127.0.0.1:<port>} (MiniDFSCluster's own getFileSystem() would name the namenode "localhost"). */
    public static String uri(MiniDFSCluster cluster) {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }
}
