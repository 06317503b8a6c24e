import type { ApiDefinition } from '../protocol/api.types.ts';
import type { BrokerContext } from '../server/broker.context.ts';
import { apiVersionsApi } from './api-versions.api.ts';
import { alterConfigsApi, describeConfigsApi } from './configs-admin.api.ts';
import { fetchApi } from './fetch.api.ts';
import { findCoordinatorApi } from './find-coordinator.api.ts';
import { deleteGroupsApi, describeGroupsApi, listGroupsApi } from './groups-admin.api.ts';
import { heartbeatApi } from './heartbeat.api.ts';
import { initProducerIdApi } from './init-producer-id.api.ts';
import { joinGroupApi } from './join-group.api.ts';
import { leaveGroupApi } from './leave-group.api.ts';
import { listOffsetsApi } from './list-offsets.api.ts';
import { metadataApi } from './metadata.api.ts';
import { offsetCommitApi } from './offset-commit.api.ts';
import { offsetFetchApi } from './offset-fetch.api.ts';
import { createPartitionsApi, deleteRecordsApi } from './partitions-admin.api.ts';
import { produceApi } from './produce.api.ts';
import { syncGroupApi } from './sync-group.api.ts';
import { createTopicsApi, deleteTopicsApi } from './topics-admin.api.ts';

/** Every advertised API, by key. Unlisted keys (transactions, SASL, ACLs, ...) are not advertised. */
export const API_LIST: readonly ApiDefinition<BrokerContext>[] = [
  produceApi,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  findCoordinatorApi,
  joinGroupApi,
  heartbeatApi,
  leaveGroupApi,
  syncGroupApi,
  describeGroupsApi,
  listGroupsApi,
  apiVersionsApi,
  createTopicsApi,
  deleteTopicsApi,
  initProducerIdApi,
  deleteGroupsApi,
  deleteRecordsApi,
  describeConfigsApi,
  alterConfigsApi,
  createPartitionsApi,
];
