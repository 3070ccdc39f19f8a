export {
  EMULATOR_SIGNING_SECRET as SIGNING_SECRET,
  formBody,
  payloadBody,
  type SignedPostOptions,
  signature,
  signedPost,
} from "../../src/emulator/requests.js";
