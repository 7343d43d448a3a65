/**
 * Tags a function and its role with the function's name (its folder under `lambdas/`): cost
 * allocation on AWS, and how the local IAM rehearsal finds each function in the template.
 * Apart from the constructs so that reading a template does not load aws-cdk-lib.
 */
export const FUNCTION_TAG = 'hookpost:function';
