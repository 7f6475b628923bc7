# Offline tests of deploy/kubernetes/: the admission policy's CEL and the
# manifests against the Kubernetes schemas (tests/admission/, Node.js).
# Included from the top Makefile.

ADMISSION_DIR := tests/admission
ADMISSION_MODULES := $(ADMISSION_DIR)/node_modules/.package-lock.json

.PHONY: check-admission

# npm ci when node_modules is missing or older than the lock file.
$(ADMISSION_MODULES): $(ADMISSION_DIR)/package.json $(ADMISSION_DIR)/package-lock.json
	@echo "  NPM     ci ($(ADMISSION_DIR))"
	$(Q)cd $(ADMISSION_DIR) && npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@

# manifests.test.mjs renders the kustomizations with Debian's kubectl
# (kubectl.sh fetches it once into tests/admission/.cache).
check-admission: $(ADMISSION_MODULES)
	$(Q)cd $(ADMISSION_DIR) && MEMQOS_KUBECTL="$$(./kubectl.sh)" \
		node --test --test-reporter=tap policy.test.mjs schema.test.mjs manifests.test.mjs
