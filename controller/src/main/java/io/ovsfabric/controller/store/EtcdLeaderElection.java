package io.ovsfabric.controller.store;

import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.ovsfabric.controller.FabricException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election with etcd's election recipe (jetcd {@link Election}) on a lease this controller keeps alive
 * itself. One background thread grants the lease, campaigns, and refreshes the lease every third of its TTL; when
 * the lease cannot be refreshed for a whole TTL the controller stops acting as leader at once and campaigns again.
 */
public final class EtcdLeaderElection implements LeaderElection {
    private static final Logger log = LoggerFactory.getLogger(EtcdLeaderElection.class);

    private final EtcdKvStore store;
    private final String electionName;
    private final String candidateId;
    private final Duration ttl;
    private final ScheduledExecutorService executor;
    private final Election election;

    private long lease;
    private long lastRefreshMs;
    private CompletableFuture<CampaignResponse> campaign;
    private volatile LeaderKey leaderKey;
    private volatile boolean leader;

    public EtcdLeaderElection(EtcdKvStore store, String electionName, String candidateId, Duration ttl) {
        this.store = store;
        this.electionName = electionName;
        this.candidateId = candidateId;
        this.ttl = ttl.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : ttl;
        this.election = store.client().getElectionClient();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "leader-election");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void start() {
        long period = Math.max(200, this.ttl.toMillis() / 3);
        executor.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean isLeader() {
        return leader;
    }

    @Override
    public Optional<String> leader() {
        try {
            LeaderResponse response = election.leader(EtcdKvStore.bytes(electionName)).get(2, TimeUnit.SECONDS);
            return Optional.ofNullable(response.getKv()).map(kv -> kv.getValue().toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty(); // no leader elected (NoLeaderException) or etcd unreachable
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        awaitExecutor();
        leader = false;
        LeaderKey key = leaderKey;
        try {
            if (key != null) {
                election.resign(key).get(2, TimeUnit.SECONDS);
            }
            if (lease != 0) {
                store.revokeLease(lease);
            }
            log.info("controller {} left the leader election", candidateId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("controller {} could not resign cleanly ({}); its leadership lease expires within {}", candidateId,
                    e.getMessage(), ttl);
        }
    }

    @Override
    public void abandon() {
        executor.shutdownNow();
        awaitExecutor();
        leader = false;
    }

    private void awaitExecutor() {
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void tick() {
        long now = System.currentTimeMillis();
        try {
            if (lease == 0) {
                lease = store.grantLease(ttl);
                lastRefreshMs = now;
                campaign();
                return;
            }
            store.keepAliveOnce(lease);
            lastRefreshMs = now;
            if (campaign != null && campaign.isCompletedExceptionally()) {
                campaign(); // etcd went away mid-campaign; the same lease campaigns again
            }
        } catch (FabricException e) {
            if (e.code() == FabricException.Code.NOT_FOUND) {
                lose("its leadership lease expired");
                lease = 0;
            } else if (now - lastRefreshMs > ttl.toMillis()) {
                lose("etcd has been unreachable for longer than the lease TTL (" + e.getMessage() + ")");
                lease = 0;
            } else {
                log.warn("controller {} cannot refresh its leadership lease, retrying: {}", candidateId, e.getMessage());
            }
        } catch (RuntimeException e) {
            log.warn("controller {} leader election step failed, retrying: {}", candidateId, e.toString());
        }
    }

    private void campaign() {
        long campaignLease = lease;
        if (campaign != null) {
            campaign.cancel(true);
        }
        log.info("controller {} campaigns for leadership (lease {})", candidateId, Long.toHexString(campaignLease));
        campaign = election.campaign(EtcdKvStore.bytes(electionName), campaignLease, EtcdKvStore.bytes(candidateId));
        campaign.whenComplete((response, error) -> {
            if (error == null && response != null) {
                try {
                    executor.execute(() -> {
                        if (lease == campaignLease) {
                            leaderKey = response.getLeader();
                            leader = true;
                            log.info("controller {} is now the leader: it runs the down-marking and reclaim sweeps", candidateId);
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // closed meanwhile
                }
            }
        });
    }

    private void lose(String why) {
        if (campaign != null) {
            campaign.cancel(true);
            campaign = null;
        }
        leaderKey = null;
        if (leader) {
            leader = false;
            log.warn("controller {} stopped leading: {}; campaigning again", candidateId, why);
        } else {
            log.warn("controller {} lost its election lease: {}; campaigning again", candidateId, why);
        }
    }
}
