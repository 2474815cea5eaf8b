#include "cohort/data/storage.h"

#include "cohort/core/error.h"
#include "cohort/data/credentials.h"
#include "cohort/data/storage_azure.h"
#include "cohort/data/storage_local.h"
#include "cohort/data/storage_url.h"
#include "cohort/data/storage_webhdfs.h"

namespace cohort::data {

StorageOptions StorageOptions::fromSettings(const Settings& settings) {
  StorageOptions o;
  o.azure_endpoint = settings.azure_endpoint;
  o.azure_account_key = settings.azure_account_key;
  o.azure_sas_token = settings.azure_sas_token;
  o.hdfs_user = settings.hdfs_user;
  o.hdfs_delegation_token = settings.hdfs_delegation_token;
  o.retries = settings.data_retries;
  o.timeout_s = settings.data_timeout_s;
  if (!settings.credentials_file.empty()) {
    // The environment wins over the file, key by key.
    const auto file = readCredentialsFile(settings.credentials_file);
    auto fill = [&](std::string* value, const char* key) {
      auto it = file.find(key);
      if (value->empty() && it != file.end()) *value = it->second;
    };
    fill(&o.azure_account_key, "azure_account_key");
    fill(&o.azure_sas_token, "azure_sas_token");
    fill(&o.hdfs_delegation_token, "hdfs_delegation_token");
  }
  return o;
}

std::shared_ptr<Buffer> Storage::fetch(const std::string& name, int64_t expected_size, Checksum* checksum) {
  const int64_t size = this->size(name);
  if (size != expected_size) {
    throw DataError(urlOf(name) + " is " + std::to_string(size) + " bytes but index.json says " +
                        std::to_string(expected_size),
                    "the file was truncated or replaced: repack the data set with cohort-pack");
  }
  auto buffer = std::make_shared<Buffer>(static_cast<size_t>(size));
  if (size > 0) read(name, 0, size, buffer->data());
  if (checksum) checksum->update(buffer->data(), buffer->size());
  return buffer;
}

std::string Storage::readAll(const std::string& name) {
  std::string bytes(static_cast<size_t>(size(name)), '\0');
  if (!bytes.empty()) read(name, 0, static_cast<int64_t>(bytes.size()), bytes.data());
  return bytes;
}

std::unique_ptr<Storage> openStorage(const std::string& location, const StorageOptions& options) {
  const StorageUrl url = parseStorageUrl(location);
  switch (url.kind) {
    case StorageUrl::Kind::kAzure:
      return std::make_unique<AzureStorage>(url, options);
    case StorageUrl::Kind::kWebHdfs:
      return std::make_unique<WebHdfsStorage>(url, options);
    case StorageUrl::Kind::kLocal:
      break;
  }
  return std::make_unique<LocalStorage>(url.path);
}

}  // namespace cohort::data
