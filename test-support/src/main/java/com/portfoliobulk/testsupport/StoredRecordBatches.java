package com.portfoliobulk.testsupport;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The record batches of a topic as the tests' broker stores them on its disk: where an application's
 * producer settings show, whatever its clients report about themselves. The broker's log
 * directories come from the broker itself ({@code DescribeLogDirs}); the segments are read without
 * being opened for writing.
 */
public final class StoredRecordBatches {

    private StoredRecordBatches() {}

    /** The compression of each batch of {@code topic} whose newest record is from {@code sinceMillis} or later. */
    public static List<CompressionType> compressionSince(String bootstrapServers, String topic, long sinceMillis)
            throws Exception {
        List<CompressionType> types = new ArrayList<>();
        for (Path partition : partitions(bootstrapServers, topic)) {
            try (DirectoryStream<Path> segments = Files.newDirectoryStream(partition, "*.log")) {
                for (Path segment : segments) {
                    types.addAll(compressionSince(segment, sinceMillis));
                }
            }
        }
        return types;
    }

    private static List<CompressionType> compressionSince(Path segment, long sinceMillis) throws IOException {
        // Read-only; closeHandlers, not close: close() would flush and trim a file the broker writes.
        FileRecords records = FileRecords.open(segment.toFile(), false);
        try {
            List<CompressionType> types = new ArrayList<>();
            for (RecordBatch batch : records.batches()) {
                if (batch.maxTimestamp() >= sinceMillis) {
                    types.add(batch.compressionType());
                }
            }
            return types;
        } finally {
            records.closeHandlers();
        }
    }

    private static List<Path> partitions(String bootstrapServers, String topic) throws Exception {
        List<Path> partitions = new ArrayList<>();
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            int broker = admin.describeCluster()
                    .nodes()
                    .get(30, TimeUnit.SECONDS)
                    .iterator()
                    .next()
                    .id();
            Map<String, LogDirDescription> directories = admin.describeLogDirs(List.of(broker))
                    .allDescriptions()
                    .get(30, TimeUnit.SECONDS)
                    .get(broker);
            for (String directory : directories.keySet()) {
                try (DirectoryStream<Path> found = Files.newDirectoryStream(Path.of(directory), topic + "-*")) {
                    for (Path partition : found) {
                        if (partition
                                .getFileName()
                                .toString()
                                .substring(topic.length() + 1)
                                .chars()
                                .allMatch(Character::isDigit)) {
                            partitions.add(partition);
                        }
                    }
                }
            }
        }
        return partitions;
    }
}
