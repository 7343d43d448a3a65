import type { ServerResponse } from 'node:http';
import { XmlNode, XmlText } from '@aws-sdk/xml-builder';

/**
 * What the stand-ins of Query-protocol services (STS, SNS) share: a service's refusal (its HTTP
 * status, its error code, its words), and the XML both answer in, built with the SDK's own
 * XML builder.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    // As the SDK names a service's error, for a caller that sees it thrown in process.
    this.name = code;
  }
}

/** `<name>text</name>` */
export const leaf = (name: string, text: string): XmlNode => new XmlNode(name).addChildNode(new XmlText(text));

export const sendXml = (res: ServerResponse, status: number, node: XmlNode): void => {
  res.writeHead(status, { 'content-type': 'text/xml' }).end(node.toString());
};

/** A Query-protocol service's error answer: `<ErrorResponse><Error><Type>Sender</Type><Code>…` */
export const sendQueryError = (res: ServerResponse, namespace: string, error: AwsServiceError, requestId: string): void =>
  sendXml(
    res,
    error.status,
    new XmlNode('ErrorResponse')
      .addAttribute('xmlns', namespace)
      .addChildNode(new XmlNode('Error').addChildNode(leaf('Type', 'Sender')).addChildNode(leaf('Code', error.code)).addChildNode(leaf('Message', error.message)))
      .addChildNode(leaf('RequestId', requestId)),
  );
